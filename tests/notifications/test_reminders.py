"""Each reminder kind fires once, on the right date and not before; reruns create nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from xinren.notifications import reminders, services
from xinren.notifications.models import Notification, ReminderSettings

from .helpers import contract, interaction, milestone, push_visits_far, visit_due

TODAY = date(2026, 11, 20)


def kinds(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "event_key"))


def scan(day: date) -> dict:
    return reminders.run_scan(today=day)


@pytest.mark.django_db
def test_renewal_fires_from_lead_days_and_once(rep, agent, account):
    push_visits_far([account])
    c = contract(account, renewal_on=TODAY + timedelta(days=30))
    scan(TODAY - timedelta(days=1))  # 31 days before: not yet
    assert kinds(rep) == []
    scan(TODAY)  # 30 days before (the default)
    key = f"renewal:{c.pk}:{c.renewal_on}"
    assert kinds(rep) == [("renewal_due", key)] and kinds(agent) == [("renewal_due", key)]
    scan(TODAY + timedelta(days=5))
    assert Notification.objects.count() == 2
    scan(c.renewal_on + timedelta(days=1))  # past the renewal date: nothing new either
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_renewal_lead_days_per_subsidiary(org, rep, account):
    push_visits_far([account])
    ReminderSettings.objects.create(business_unit=org.sub_a, renewal_days_before=10)
    c = contract(account, renewal_on=TODAY + timedelta(days=10))
    scan(TODAY - timedelta(days=1))
    assert kinds(rep) == []
    scan(TODAY)
    assert kinds(rep) == [("renewal_due", f"renewal:{c.pk}:{c.renewal_on}")]


@pytest.mark.django_db
def test_inactive_contract_is_not_reminded(rep, account):
    push_visits_far([account])
    contract(account, renewal_on=TODAY + timedelta(days=5), status="terminated")
    scan(TODAY)
    assert kinds(rep) == []


@pytest.mark.django_db
def test_payment_due_then_overdue(org, rep, account):
    push_visits_far([account])
    m = milestone(account, due_on=TODAY + timedelta(days=3))
    milestone(account, due_on=TODAY + timedelta(days=1), paid_on=TODAY)  # paid: never
    scan(TODAY - timedelta(days=1))
    assert kinds(rep) == []
    scan(TODAY)  # three days before (default)
    assert kinds(rep) == [("payment_due", f"payment-due:{m.pk}:{m.due_on}")]
    scan(m.due_on)  # the due date itself: still the same "due" reminder
    assert len(kinds(rep)) == 1
    scan(m.due_on + timedelta(days=1))  # the day after: overdue, once
    scan(m.due_on + timedelta(days=2))
    assert kinds(rep) == [
        ("payment_due", f"payment-due:{m.pk}:{m.due_on}"),
        ("payment_overdue", f"payment-overdue:{m.pk}:{m.due_on}"),
    ]
    title = Notification.objects.get(recipient=rep, kind="payment_overdue").title
    assert "1000.00 CNY" in title and "杭州云启" in title


@pytest.mark.django_db
def test_payment_lead_days_per_subsidiary(org, rep, account):
    push_visits_far([account])
    ReminderSettings.objects.create(business_unit=org.sub_a, payment_days_before=7)
    m = milestone(account, due_on=TODAY + timedelta(days=7))
    scan(TODAY - timedelta(days=1))
    assert kinds(rep) == []
    scan(TODAY)
    assert kinds(rep) == [("payment_due", f"payment-due:{m.pk}:{m.due_on}")]
    assert [r[0] for r in reminders.due_payment_items(TODAY)] == [m.pk]


@pytest.mark.django_db
def test_visit_due_by_cadence(rep, account):
    visit_due(account, TODAY)
    scan(TODAY - timedelta(days=1))
    assert kinds(rep) == []
    scan(TODAY)
    scan(TODAY + timedelta(days=3))  # still overdue: not again
    assert kinds(rep) == [("visit_due", f"visit:{account.pk}:{TODAY}")]


@pytest.mark.django_db
def test_next_step_due_and_done(rep, account):
    push_visits_far([account])
    open_step = interaction(
        account, TODAY - timedelta(days=10), next_step="寄送报价", next_step_due=TODAY
    )
    interaction(
        account,
        TODAY - timedelta(days=10),
        next_step="已完成的事",
        next_step_due=TODAY,
        next_step_done=True,
    )
    scan(TODAY - timedelta(days=1))
    assert kinds(rep) == []
    scan(TODAY)
    scan(TODAY + timedelta(days=1))
    assert kinds(rep) == [("next_step_due", f"next-step:{open_step.pk}:{TODAY}")]


@pytest.mark.django_db
def test_late_log(rep, account):
    push_visits_far([account])
    late = interaction(account, TODAY - timedelta(days=3), late=True)
    interaction(account, TODAY - timedelta(days=3))  # on time: never
    scan(TODAY)
    scan(TODAY)
    assert kinds(rep) == [("late_log", f"late-log:{late.pk}")]


@pytest.mark.django_db
def test_running_twice_creates_nothing_new(rep, agent, account):
    visit_due(account, TODAY)
    contract(account, renewal_on=TODAY + timedelta(days=3))
    milestone(account, due_on=TODAY - timedelta(days=3))
    scan(TODAY)
    first = sorted(Notification.objects.values_list("recipient_id", "event_key"))
    scan(TODAY)
    assert sorted(Notification.objects.values_list("recipient_id", "event_key")) == first
    assert len(first) == 6  # three events × (owner, service agent)


@pytest.mark.django_db
def test_email_outbox_sends_each_once(rep, agent, account):
    visit_due(account, TODAY)
    scan(TODAY)
    assert services.flush_outbox() == 2
    assert services.flush_outbox() == 0
    scan(TODAY)
    assert services.flush_outbox() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.cn", "rep@example.cn"]
    assert not Notification.objects.filter(wants_email=True, emailed_at__isnull=True).exists()


@pytest.mark.django_db
def test_user_without_email_gets_in_app_only(org, account):
    from tests import factories
    from xinren.customers.models import ServiceAssignment

    silent = factories.make_user(org.a_sales, "sales_rep", username="silent")
    ServiceAssignment.objects.create(account=account, user=silent)
    visit_due(account, TODAY)
    scan(TODAY)
    n = Notification.objects.get(recipient=silent)
    assert not n.wants_email and n.read_at is None


@pytest.mark.django_db
def test_deactivated_or_moved_user_is_not_notified(org, rep, agent, account):
    from xinren.orgs.models import Role

    visit_due(account, TODAY)
    agent.is_active = False
    agent.save()
    # The owner lost the view right (a custom role): no longer sees the customer.
    blind = Role.objects.create(code="blind", name="无权限", scope="own", actions=[])
    rep.role = blind
    rep.save()
    scan(TODAY)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_query_count_does_not_grow_with_events(rep, agent, account, django_assert_max_num_queries):
    from tests import factories

    more = [factories.make_customer(rep) for _ in range(5)]
    for a in [account, *more]:
        visit_due(a, TODAY)
        for i in range(5):
            milestone(a, due_on=TODAY - timedelta(days=i + 1))
    with django_assert_max_num_queries(20):
        result = scan(TODAY)
    assert result["events"] == 36


@pytest.mark.django_db
def test_title_in_the_recipients_language(rep, agent, account):
    agent.preferred_language = "en"
    agent.save()
    visit_due(account, TODAY)
    scan(TODAY)
    assert "应于" in Notification.objects.get(recipient=rep).title
    assert "is due for a visit by 2026-11-20" in Notification.objects.get(recipient=agent).title
