"""Interaction services: the late rule, validation, locking, cadence, history and timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from xinren.activities import services
from xinren.activities.models import LOG_WITHIN, Interaction
from xinren.audit.models import ChangeLog
from xinren.cadence.models import AccountTier
from xinren.core.errors import ConflictError
from xinren.customers import services as customer_services
from xinren.orgs.models import User
from xinren.timeline.models import TimelineEvent

from .conftest import log


def _stored() -> tuple[int, int, int]:
    return (
        Interaction.objects.count(),
        ChangeLog.objects.filter(entity="activities.interaction").count(),
        TimelineEvent.objects.filter(source="activities.interaction").count(),
    )


def _rules(exc: ValidationError) -> dict[str, str]:
    return {f: errs[0].code for f, errs in exc.error_dict.items()}


# --- the late rule --------------------------------------------------------------------------
def test_late_rule_at_exactly_24_hours():
    occurred = timezone.now()
    assert dt.timedelta(hours=24) == LOG_WITHIN
    assert not services.is_late(occurred, occurred + LOG_WITHIN)
    assert services.is_late(occurred, occurred + LOG_WITHIN + dt.timedelta(microseconds=1))
    assert not services.is_late(occurred, occurred)


def test_logging_at_the_boundary_marks_late_only_past_24_hours(rep, account):
    now = timezone.now()
    on_time = log(rep, account, occurred_at=now - LOG_WITHIN, logged_at=now)
    late = log(rep, account, occurred_at=now - LOG_WITHIN - dt.timedelta(seconds=1), logged_at=now)
    assert not on_time.late
    assert late.late
    event = TimelineEvent.objects.get(source="activities.interaction", source_id=late.pk)
    assert event.detail["late"] is True
    assert "late" not in TimelineEvent.objects.get(source_id=on_time.pk).detail


# --- what a log writes ----------------------------------------------------------------------
def test_log_writes_interaction_history_and_timeline_event_in_the_demo_shape(rep, account, contact):
    due = timezone.localdate() + dt.timedelta(days=7)
    interaction = log(
        rep, account, contacts=[contact.pk], next_step="发送报价单", next_step_due=due
    )
    interaction.refresh_from_db()
    assert list(interaction.staff.all()) == [rep]  # staff defaults to the one who logs
    assert list(interaction.contacts.all()) == [contact]
    assert interaction.company_id == account.company_id and interaction.created_by == rep
    assert not interaction.late and interaction.version == 1
    change = ChangeLog.objects.get(entity="activities.interaction", object_id=interaction.pk)
    assert change.action == "create" and change.account_id == account.pk
    assert change.changes["subject"]["after"] == "季度业务回顾"
    assert change.changes["contacts"]["after"] == [contact.pk]
    event = TimelineEvent.objects.get(source="activities.interaction", source_id=interaction.pk)
    assert event.kind == "interaction"
    assert (event.company_id, event.account_id) == (account.company_id, account.pk)
    assert event.title == "拜访：季度业务回顾"
    assert event.detail == {"kind": "visit", "staff": ["李销售"], "next_step": "发送报价单"}
    assert event.occurred_at == interaction.occurred_at and event.actor == rep


@pytest.mark.parametrize(
    "overrides,field,rule",
    [
        ({"occurred_at": "future"}, "occurred_at", "future"),
        ({"occurred_at": None}, "occurred_at", "required"),
        ({"occurred_at": dt.datetime(1999, 12, 31, tzinfo=dt.UTC)}, "occurred_at", "too_old"),
        ({"kind": "fax"}, "kind", "choice"),
        ({"subject": "  "}, "subject", "required"),
        ({"subject": "主" * 201}, "subject", "max_length"),
        ({"next_step": "回访"}, "next_step_due", "required"),
        ({"next_step_due": dt.date(2030, 1, 1)}, "next_step", "required"),
        (
            {"next_step": "回访", "next_step_due": dt.date(2001, 1, 1)},
            "next_step_due",
            "before_occurred",
        ),
        ({"staff": [10**9]}, "staff", "inactive_or_unknown"),
        ({"contacts": [10**9]}, "contacts", "other_company"),
    ],
)
def test_bad_input_names_field_and_rule_and_stores_nothing(rep, account, overrides, field, rule):
    if overrides.get("occurred_at") == "future":
        overrides["occurred_at"] = timezone.now() + dt.timedelta(hours=1)
    before = _stored()
    with pytest.raises(ValidationError) as err:
        log(rep, account, **overrides)
    assert _rules(err.value)[field] == rule
    assert _stored() == before


def test_contacts_of_another_company_are_refused(rep, account):
    other = factories.make_customer(rep, name="成都锦江物流有限公司")
    stranger = customer_services.create_contact(
        actor=rep, company=other.company, data={"name": "外人", "decision_role": "user"}
    )
    before = _stored()
    with pytest.raises(ValidationError) as err:
        log(rep, account, contacts=[stranger.pk])
    assert _rules(err.value) == {"contacts": "other_company"}
    assert _stored() == before


def test_staff_must_be_active_users(org, rep, account):
    gone = factories.make_user(org.a_sales, "sales_rep", username="gone")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    with pytest.raises(ValidationError) as err:
        log(rep, account, staff=[rep.pk, gone.pk])
    assert _rules(err.value) == {"staff": "inactive_or_unknown"}
    colleague = factories.make_user(org.a_sales, "sales_rep", username="mate", full_name="赵同事")
    interaction = log(rep, account, staff=[rep, colleague])
    assert set(interaction.staff.all()) == {rep, colleague}
    event = TimelineEvent.objects.get(source_id=interaction.pk, source="activities.interaction")
    assert sorted(event.detail["staff"]) == sorted(["李销售", "赵同事"])


def test_every_error_is_reported_at_once(rep, account):
    with pytest.raises(ValidationError) as err:
        log(rep, account, kind="fax", subject="", occurred_at=timezone.now() + dt.timedelta(days=1))
    assert set(_rules(err.value)) == {"kind", "subject", "occurred_at"}


# --- rights and scope -----------------------------------------------------------------------
def test_rights_and_scope(org, rep, account):
    auditor = factories.make_user(org.a_sales, "auditor", username="auditor")
    with pytest.raises(PermissionDenied):
        log(auditor, account)  # view only: no "edit" right
    agent = factories.make_user(org.a_sales, "service_agent", username="agent")
    from xinren.customers.models import ServiceAssignment

    ServiceAssignment.objects.create(account=account, user=agent)
    assert log(agent, account).created_by == agent  # serving agents log their follow-ups
    outsider = factories.make_user(org.b_sales, "sales_rep", username="outsider")
    with pytest.raises(ObjectDoesNotExist):
        log(outsider, account)
    interaction = log(rep, account)
    with pytest.raises(ObjectDoesNotExist):
        services.update_interaction(
            actor=outsider, interaction=interaction, data={"subject": "x"}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        services.delete_interaction(actor=rep, interaction=interaction)  # reps cannot delete
    assert Interaction.objects.filter(pk=interaction.pk).exists()


# --- editing --------------------------------------------------------------------------------
def test_update_is_versioned_and_keeps_the_event_in_step(rep, account):
    interaction = log(rep, account)
    earlier = interaction.occurred_at - dt.timedelta(days=3)
    services.update_interaction(
        actor=rep,
        interaction=interaction,
        data={"kind": "meeting", "subject": "技术方案评审会", "occurred_at": earlier},
        expected_version=1,
    )
    interaction.refresh_from_db()
    assert interaction.version == 2 and interaction.kind == "meeting"
    assert interaction.late  # logged three days after it happened
    event = TimelineEvent.objects.get(source="activities.interaction", source_id=interaction.pk)
    assert event.title == "会议：技术方案评审会" and event.occurred_at == earlier
    assert event.detail["late"] is True and event.detail["kind"] == "meeting"
    change = ChangeLog.objects.filter(
        entity="activities.interaction", object_id=interaction.pk, action="update"
    ).get()
    assert change.changes["kind"] == {"before": "visit", "after": "meeting"}
    stale = Interaction.objects.get(pk=interaction.pk)
    with pytest.raises(ConflictError) as conflict:
        services.update_interaction(
            actor=rep, interaction=stale, data={"subject": "覆盖"}, expected_version=1
        )
    assert conflict.value.current_version == 2
    assert Interaction.objects.get(pk=interaction.pk).subject == "技术方案评审会"
    assert ChangeLog.objects.filter(entity="activities.interaction", action="update").count() == 1


def test_update_refuses_unknown_fields_and_bad_values_without_changes(rep, account, contact):
    interaction = log(rep, account)
    with pytest.raises(ValidationError) as err:
        services.update_interaction(
            actor=rep, interaction=interaction, data={"account": 1}, expected_version=1
        )
    assert _rules(err.value) == {"account": "unknown_field"}
    with pytest.raises(ValidationError) as err:
        services.update_interaction(
            actor=rep,
            interaction=interaction,
            data={"occurred_at": interaction.logged_at + dt.timedelta(hours=2)},
            expected_version=1,
        )
    assert _rules(err.value) == {"occurred_at": "future"}
    fresh = Interaction.objects.get(pk=interaction.pk)
    assert fresh.version == 1 and fresh.occurred_at == interaction.occurred_at
    services.update_interaction(
        actor=rep, interaction=fresh, data={"contacts": [contact.pk]}, expected_version=1
    )
    assert list(fresh.contacts.all()) == [contact]


def test_delete_drops_the_event_and_keeps_history(org, account):
    head = factories.make_user(org.a_sales, "department_head", username="head")
    interaction = log(head, account)
    services.delete_interaction(actor=head, interaction=interaction)
    assert not Interaction.objects.exists()
    assert not TimelineEvent.objects.filter(source="activities.interaction").exists()
    deleted = ChangeLog.objects.get(entity="activities.interaction", action="delete")
    assert deleted.changes["subject"]["before"] == "季度业务回顾"


def test_complete_next_step(rep, account):
    plain = log(rep, account)
    with pytest.raises(ValidationError) as err:
        services.complete_next_step(actor=rep, interaction=plain)
    assert _rules(err.value) == {"next_step": "no_next_step"}
    todo = log(rep, account, next_step="寄样品", next_step_due=timezone.localdate())
    services.complete_next_step(actor=rep, interaction=todo, expected_version=1)
    todo.refresh_from_db()
    assert todo.next_step_done and todo.version == 2
    with pytest.raises(ValidationError) as err:
        services.complete_next_step(actor=rep, interaction=todo)
    assert _rules(err.value) == {"next_step_done": "already_done"}
    stale = log(rep, account, next_step="回访", next_step_due=timezone.localdate())
    with pytest.raises(ConflictError):
        services.complete_next_step(actor=rep, interaction=stale, expected_version=5)


# --- visit cadence --------------------------------------------------------------------------
def _tier(account) -> AccountTier:
    return AccountTier.objects.get(pk=account.pk)


def test_visits_update_the_cadence_and_other_kinds_do_not(rep, account):
    now = timezone.now()
    log(rep, account, kind="call", occurred_at=now - dt.timedelta(hours=1))
    assert not AccountTier.objects.filter(pk=account.pk, last_visit_at__isnull=False).exists()
    first = log(rep, account, occurred_at=now - dt.timedelta(days=10))
    assert _tier(account).last_visit_at == first.occurred_at
    assert _tier(account).next_visit_due == timezone.localtime(
        first.occurred_at
    ).date() + dt.timedelta(days=90)
    second = log(rep, account, occurred_at=now - dt.timedelta(days=2))
    assert _tier(account).last_visit_at == second.occurred_at
    # correcting the latest visit's date moves the due date with it
    moved = now - dt.timedelta(days=5)
    services.update_interaction(
        actor=rep, interaction=second, data={"occurred_at": moved}, expected_version=1
    )
    assert _tier(account).last_visit_at == moved
    # a visit that turns out to have been a call no longer counts
    services.update_interaction(
        actor=rep, interaction=second, data={"kind": "call"}, expected_version=2
    )
    assert _tier(account).last_visit_at == first.occurred_at
    head = factories.make_user(account.owner_unit, "department_head", username="head")
    services.delete_interaction(actor=head, interaction=first)
    record = _tier(account)
    assert record.last_visit_at is None
    assert record.next_visit_due == timezone.localtime(account.created_at).date() + dt.timedelta(
        days=90
    )
