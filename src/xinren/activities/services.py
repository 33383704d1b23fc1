"""Interactions: every write, and the one rule for a late log.

Each write checks the role's action (``xinren.orgs.access.require_action``) and the data scope
(the account must be one the actor reaches, else "not found"), validates with field-named
errors, and writes the change history and the timeline event in the same transaction as the
interaction. A visit moves the account's visit due date (``xinren.cadence``).

Rights: logging needs *create*, editing and completing a next step *edit*, deleting *delete*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.cadence.services import note_visit, recompute_visit_dues
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.customers.models import Contact, CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.timeline.models import EventKind
from xinren.timeline.services import delete_events, record_event, update_events

from .models import LOG_WITHIN, Interaction, InteractionKind

SOURCE = "activities.interaction"
# The timeline title's prefix per kind (stored text, as `xinren demo` writes it).
TITLE_LABEL = {
    "visit": "拜访",
    "call": "电话",
    "email": "邮件",
    "meeting": "会议",
    "social": "社交",
}
# Nothing before this is a plausible interaction date (and far dates break time-zone maths).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SUMMARY_MAX = 10_000
# A client clock a little ahead of ours is not "the future".
CLOCK_SKEW = dt.timedelta(minutes=1)
EDITABLE = (
    "kind",
    "occurred_at",
    "subject",
    "summary",
    "next_step",
    "next_step_due",
    "staff",
    "contacts",
)


# --- the rules ------------------------------------------------------------------------------
def is_late(occurred_at: dt.datetime, logged_at: dt.datetime) -> bool:
    """SPEC §4: a follow-up is logged within 24 hours. Exactly 24 hours is still on time."""
    return logged_at - occurred_at > LOG_WITHIN


def _require_account(actor: User, account: CustomerAccount, action: str) -> None:
    """The role grants ``action``, and the account is in the actor's scope (else not found:
    an account outside one's scope does not exist for them)."""
    require_action(actor, action)
    if not visible_accounts(actor).filter(pk=account.pk).exists():
        raise CustomerAccount.DoesNotExist(_("客户账户不存在或不在您的数据范围内。"))


def _require_interaction(actor: User, interaction: Interaction, action: str) -> None:
    require_action(actor, action)
    if not visible_accounts(actor).filter(pk=interaction.account_id).exists():
        raise Interaction.DoesNotExist(_("互动记录不存在或不在您的数据范围内。"))


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _clean_text(data: dict[str, Any], errors: dict, name: str, limit: int, required=False):
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = (_("请输入文本。"), "type")
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[name] = (_("文本中不能包含 NUL 字符。"), "nul_character")
    elif required and not value:
        errors[name] = (_("此项为必填项。"), "required")
    elif len(value) > limit:
        errors[name] = (_("最多 %(n)s 个字。") % {"n": limit}, "max_length")
    return value


def _ids(value: Iterable | None, name: str, errors: dict) -> list[int]:
    if value is None:
        return []
    ids: list[int] = []
    for item in value:
        pk = getattr(item, "pk", item)
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            errors[name] = (_("编号无效。"), "invalid")
            return []
        ids.append(pk)
    return list(dict.fromkeys(ids))


def _validate(
    values: dict[str, Any],
    account: CustomerAccount,
    logged_at: dt.datetime,
    staff_anywhere: Iterable[int] = (),
) -> tuple[dict[str, Any], list[User], list[Contact]]:
    """Check every field at once (so a form can show every error); returns the cleaned values
    and the staff and contacts, or raises one ValidationError naming each bad field."""
    errors: dict[str, tuple[str, str]] = {}
    out: dict[str, Any] = {}
    kind = values.get("kind")
    if kind not in InteractionKind.values:
        errors["kind"] = (_("方式只能是拜访、电话、邮件、会议或社交消息。"), "choice")
    out["kind"] = kind
    occurred = values.get("occurred_at")
    if not isinstance(occurred, dt.datetime):
        errors["occurred_at"] = (_("请填写发生时间。"), "required")
    else:
        occurred = _aware(occurred)
        if occurred > logged_at + CLOCK_SKEW:
            errors["occurred_at"] = (_("发生时间不能晚于现在（或晚于记录时间）。"), "future")
        elif occurred < EARLIEST:
            errors["occurred_at"] = (_("发生时间不能早于 2000 年。"), "too_old")
    out["occurred_at"] = occurred
    out["subject"] = _clean_text(values, errors, "subject", 200, required=True)
    out["summary"] = _clean_text(values, errors, "summary", SUMMARY_MAX)
    out["next_step"] = _clean_text(values, errors, "next_step", 255)
    due = values.get("next_step_due")
    if due is not None and (not isinstance(due, dt.date) or isinstance(due, dt.datetime)):
        errors["next_step_due"] = (_("日期无效。"), "invalid")
        due = None
    if out["next_step"] and due is None and "next_step_due" not in errors:
        errors["next_step_due"] = (_("请填写下一步的截止日期。"), "required")
    if due is not None and not out["next_step"] and "next_step" not in errors:
        errors["next_step"] = (_("有截止日期时请填写下一步做什么。"), "required")
    if (
        due is not None
        and isinstance(occurred, dt.datetime)
        and "occurred_at" not in errors
        and due < timezone.localtime(occurred).date()
    ):
        errors["next_step_due"] = (_("下一步的截止日期不能早于互动发生的日期。"), "before_occurred")
    out["next_step_due"] = due

    staff_ids = _ids(values.get("staff"), "staff", errors)
    staff = (
        list(User.objects.filter(pk__in=staff_ids, is_active=True).select_related("org_unit"))
        if staff_ids
        else []
    )
    if len(staff) != len(staff_ids):
        errors["staff"] = (_("我方参与人必须是在职的系统用户。"), "inactive_or_unknown")
    elif outsiders := [u for u in staff if not staff_allowed(u, account, staff_anywhere)]:
        errors["staff"] = (
            _("我方参与人必须是该客户账户所属公司的同事：%(u)s")
            % {"u": "、".join(u.full_name or u.get_username() for u in outsiders)},
            "other_business_unit",
        )
    contact_ids = _ids(values.get("contacts"), "contacts", errors)
    contacts = list(Contact.objects.filter(pk__in=contact_ids)) if contact_ids else []
    if len(contacts) != len(contact_ids) or any(
        c.company_id != account.company_id for c in contacts
    ):
        errors["contacts"] = (_("客户参与人必须是该客户公司的联系人。"), "other_company")
    if errors:
        raise ValidationError(
            {f: [ValidationError(message, code=rule)] for f, (message, rule) in errors.items()}
        )
    return out, staff, contacts


def staff_allowed(user: User, account: CustomerAccount, anywhere: Iterable[int] = ()) -> bool:
    """Who may be named as taking part: colleagues of the account's subsidiary (the same set
    the account's service team is picked from), plus the actor and — on an edit — whoever was
    already named (a group-level manager who joined the visit stays on it)."""
    if user.pk in set(anywhere):
        return True
    return user.org_unit is not None and user.org_unit.business_unit_id == account.business_unit_id


def _snapshot(interaction: Interaction, staff: list[int], contacts: list[int]) -> dict:
    return {**snapshot(interaction), "staff": sorted(staff), "contacts": sorted(contacts)}


def _title(interaction: Interaction) -> str:
    return f"{TITLE_LABEL[interaction.kind]}：{interaction.subject}"


def _detail(interaction: Interaction, staff: list[User]) -> dict[str, Any]:
    """The timeline event's ``detail``, in the shape `xinren demo` writes."""
    detail: dict[str, Any] = {
        "kind": interaction.kind,
        "staff": [u.full_name or u.get_username() for u in staff],
    }
    if interaction.late:
        detail["late"] = True
    if interaction.next_step:
        detail["next_step"] = interaction.next_step
    return detail


# --- writes ---------------------------------------------------------------------------------
@transaction.atomic
def log_interaction(
    *,
    actor: User,
    account: CustomerAccount,
    kind: str,
    occurred_at: dt.datetime,
    subject: str,
    summary: str = "",
    next_step: str = "",
    next_step_due: dt.date | None = None,
    staff: Iterable[User | int] | None = None,
    contacts: Iterable[Contact | int] | None = None,
    logged_at: dt.datetime | None = None,
) -> Interaction:
    """Log a visit, call, e-mail, meeting or social message. Staff defaults to the actor.
    ``late`` when logged more than 24 hours after it happened.

    Needs the *edit* right on the account, not *create*: a follow-up log adds to the record of
    a relationship the actor already serves, and service agents (view + edit) must log theirs
    within 24 hours like everyone else (SPEC §4)."""
    _require_account(actor, account, Action.EDIT)
    logged_at = logged_at or timezone.now()
    staff = list(staff) if staff else [actor]
    values, staff_users, contact_rows = _validate(
        {
            "kind": kind,
            "occurred_at": occurred_at,
            "subject": subject,
            "summary": summary,
            "next_step": next_step,
            "next_step_due": next_step_due,
            "staff": staff,
            "contacts": contacts,
        },
        account,
        logged_at,
        staff_anywhere={actor.pk},
    )
    interaction = Interaction(
        account=account,
        company_id=account.company_id,
        logged_at=logged_at,
        late=is_late(values["occurred_at"], logged_at),
        created_by=actor,
        **{k: v for k, v in values.items() if k not in ("staff", "contacts")},
    )
    interaction.save()
    interaction.staff.set(staff_users)
    interaction.contacts.set(contact_rows)
    record_change(
        actor=actor,
        action="create",
        instance=interaction,
        after=_snapshot(interaction, [u.pk for u in staff_users], [c.pk for c in contact_rows]),
        company_id=account.company_id,
        account_id=account.pk,
    )
    record_event(
        company_id=account.company_id,
        account_id=account.pk,
        kind=EventKind.INTERACTION,
        occurred_at=interaction.occurred_at,
        instance=interaction,
        title=_title(interaction),
        detail=_detail(interaction, staff_users),
        actor=actor,
    )
    if interaction.kind == InteractionKind.VISIT:
        note_visit(account, interaction.occurred_at)
    return interaction


@transaction.atomic
def update_interaction(
    *,
    actor: User,
    interaction: Interaction,
    data: dict[str, Any],
    expected_version: int | None,
) -> Interaction:
    """Change any of :data:`EDITABLE`; refused when someone saved it since ``expected_version``.
    ``late`` is worked out again from the (possibly corrected) date and the original log time."""
    _require_interaction(actor, interaction, Action.EDIT)
    for key in data:
        if key not in EDITABLE:
            raise field_error(key, _("未知字段或不允许修改。"), "unknown_field")
    account = interaction.account
    old_staff = list(interaction.staff.values_list("pk", flat=True))
    old_contacts = list(interaction.contacts.values_list("pk", flat=True))
    before = _snapshot(interaction, old_staff, old_contacts)
    was_visit, old_occurred = interaction.kind == InteractionKind.VISIT, interaction.occurred_at
    current = {
        **{f: getattr(interaction, f) for f in EDITABLE if f not in ("staff", "contacts")},
        "staff": old_staff,
        "contacts": old_contacts,
    }
    merged = {**current, **data}
    if "staff" in data and not data["staff"]:
        merged["staff"] = [actor]
    # An edit may move the date, but never to after the moment it was first logged.
    values, staff_users, contact_rows = _validate(
        merged, account, interaction.logged_at, staff_anywhere={actor.pk, *old_staff}
    )
    for key, value in values.items():
        setattr(interaction, key, value)
    interaction.late = is_late(interaction.occurred_at, interaction.logged_at)
    save_versioned(
        interaction,
        expected_version,
        [
            "kind",
            "occurred_at",
            "subject",
            "summary",
            "next_step",
            "next_step_due",
            "late",
        ],
    )
    new_staff, new_contacts = [u.pk for u in staff_users], [c.pk for c in contact_rows]
    if sorted(new_staff) != sorted(old_staff):
        interaction.staff.set(staff_users)
    if sorted(new_contacts) != sorted(old_contacts):
        interaction.contacts.set(contact_rows)
    record_change(
        actor=actor,
        action="update",
        instance=interaction,
        before=before,
        after=_snapshot(interaction, new_staff, new_contacts),
        company_id=interaction.company_id,
        account_id=interaction.account_id,
    )
    update_events(
        interaction,
        occurred_at=interaction.occurred_at,
        title=_title(interaction)[:255],
        detail=_detail(interaction, staff_users),
    )
    is_visit = interaction.kind == InteractionKind.VISIT
    if (was_visit or is_visit) and (
        was_visit != is_visit or old_occurred != interaction.occurred_at
    ):
        recompute_visit_dues([interaction.account_id])
    return interaction


@transaction.atomic
def delete_interaction(*, actor: User, interaction: Interaction) -> None:
    """Delete an interaction and its timeline event; the change history keeps what it said."""
    _require_interaction(actor, interaction, Action.DELETE)
    staff = list(interaction.staff.values_list("pk", flat=True))
    contacts = list(interaction.contacts.values_list("pk", flat=True))
    before, pk = _snapshot(interaction, staff, contacts), interaction.pk
    was_visit = interaction.kind == InteractionKind.VISIT
    delete_events(SOURCE, [pk])
    interaction.delete()
    interaction.pk = pk
    record_change(
        actor=actor,
        action="delete",
        instance=interaction,
        before=before,
        company_id=interaction.company_id,
        account_id=interaction.account_id,
    )
    if was_visit:
        recompute_visit_dues([interaction.account_id])


@transaction.atomic
def complete_next_step(
    *, actor: User, interaction: Interaction, expected_version: int | None = None
) -> Interaction:
    """Mark the interaction's next step done (needs *edit*)."""
    _require_interaction(actor, interaction, Action.EDIT)
    if not interaction.next_step:
        raise field_error("next_step", _("这条互动记录没有待办的下一步。"), "no_next_step")
    if interaction.next_step_done:
        raise field_error("next_step_done", _("下一步已经完成。"), "already_done")
    before = {"next_step_done": False}
    interaction.next_step_done = True
    save_versioned(interaction, expected_version, ["next_step_done"])
    record_change(
        actor=actor,
        action="update",
        instance=interaction,
        before=before,
        after={"next_step_done": True},
        company_id=interaction.company_id,
        account_id=interaction.account_id,
    )
    return interaction
