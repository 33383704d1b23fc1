"""A first scan of an existing database (e.g. right after ``xinren demo``) announces only what
fell due within the last REMINDER_OVERDUE_DAYS (late logs: REMINDER_LATE_LOG_DAYS), not years
of backlog; every event still exactly once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from xinren.notifications import reminders
from xinren.notifications.models import Notification

from .helpers import at, interaction, milestone, push_visits_far, visit_due

TODAY = date(2026, 11, 20)


def keys(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("event_key", flat=True))


@pytest.mark.django_db
def test_old_backlog_is_not_announced_recent_is_once(rep, account):
    visit_due(account, TODAY - timedelta(days=400))  # a visit overdue for over a year
    old = [milestone(account, due_on=TODAY - timedelta(days=31 + i)) for i in range(50)]
    edge = milestone(account, due_on=TODAY - timedelta(days=30))  # just inside the window
    recent = milestone(account, due_on=TODAY - timedelta(days=2))
    soon = milestone(account, due_on=TODAY + timedelta(days=3))
    step_old = interaction(account, TODAY - timedelta(days=90), next_step="寄样",
                           next_step_due=TODAY - timedelta(days=60))  # fmt: skip
    step_new = interaction(account, TODAY - timedelta(days=9), next_step="报价",
                           next_step_due=TODAY - timedelta(days=1))  # fmt: skip
    late_old = interaction(account, TODAY - timedelta(days=20), late=True,
                           logged_at=at(TODAY - timedelta(days=8)))  # fmt: skip
    late_new = interaction(account, TODAY - timedelta(days=5), late=True,
                           logged_at=at(TODAY - timedelta(days=3)))  # fmt: skip
    result = reminders.run_scan(today=TODAY)
    expected = {
        f"payment-overdue:{edge.pk}:{edge.due_on}",
        f"payment-overdue:{recent.pk}:{recent.due_on}",
        f"payment-due:{soon.pk}:{soon.due_on}",
        f"next-step:{step_new.pk}:{step_new.next_step_due}",
        f"late-log:{late_new.pk}",
    }
    assert keys(rep) == expected
    assert result["events"] == len(expected)
    del old, step_old, late_old  # none of them announced (the set above is exact)
    # again, and the next day: nothing twice; the one that newly fell due is announced
    reminders.run_scan(today=TODAY)
    assert Notification.objects.filter(recipient=rep).count() == len(expected)
    reminders.run_scan(today=TODAY + timedelta(days=4))
    assert keys(rep) - expected == {f"payment-overdue:{soon.pk}:{soon.due_on}"}
    assert Notification.objects.filter(recipient=rep).count() == len(expected) + 1


@pytest.mark.django_db
def test_windows_are_settings(settings, rep, account):
    push_visits_far([account])
    m = milestone(account, due_on=TODAY - timedelta(days=45))
    late = interaction(account, TODAY - timedelta(days=20), late=True,
                       logged_at=at(TODAY - timedelta(days=10)))  # fmt: skip
    reminders.run_scan(today=TODAY)
    assert keys(rep) == set()
    settings.REMINDER_OVERDUE_DAYS = 60
    settings.REMINDER_LATE_LOG_DAYS = 14
    reminders.run_scan(today=TODAY)
    assert keys(rep) == {f"payment-overdue:{m.pk}:{m.due_on}", f"late-log:{late.pk}"}


@pytest.mark.django_db
def test_visit_due_within_window_is_announced(rep, account):
    visit_due(account, TODAY - timedelta(days=10))
    reminders.run_scan(today=TODAY)
    assert keys(rep) == {f"visit:{account.pk}:{TODAY - timedelta(days=10)}"}
