"""Preferences per kind and channel, and the daily digest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from xinren.notifications import reminders, services
from xinren.notifications.models import Notification, NotificationPreference
from xinren.notifications.tasks import local_daily

from .helpers import milestone, visit_due

TODAY = date(2026, 11, 20)


@pytest.mark.django_db
def test_preferences_choose_channels(rep, agent, account):
    services.set_preferences(actor=rep, choices={"visit_due": {"email": False, "digest": False}})
    services.set_preferences(actor=agent, choices={"visit_due": {"in_app": False}})
    visit_due(account, TODAY)
    reminders.run_scan(today=TODAY)
    mine = Notification.objects.get(recipient=rep)
    assert mine.read_at is None and not mine.wants_email and mine.digested_at is not None
    theirs = Notification.objects.get(recipient=agent)
    assert theirs.read_at is not None  # in-app off: not counted as unread
    assert theirs.wants_email and theirs.digested_at is None


@pytest.mark.django_db
def test_everything_off_creates_nothing(rep, account):
    services.set_preferences(
        actor=rep, choices={"visit_due": {"in_app": False, "email": False, "digest": False}}
    )
    visit_due(account, TODAY)
    reminders.run_scan(today=TODAY)
    assert not Notification.objects.filter(recipient=rep).exists()


@pytest.mark.django_db
def test_bad_preferences_are_refused(rep):
    with pytest.raises(ValidationError) as bad_kind:
        services.set_preferences(actor=rep, choices={"nonsense": {"email": False}})
    assert "kind" in bad_kind.value.message_dict
    with pytest.raises(ValidationError) as bad_channel:
        services.set_preferences(actor=rep, choices={"visit_due": {"sms": True}})
    assert "sms" in bad_channel.value.message_dict
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_daily_digest_one_mail_per_user(rep, agent, account):
    services.set_preferences(actor=agent, choices={"payment_overdue": {"digest": False}})
    visit_due(account, TODAY)
    milestone(account, due_on=TODAY - timedelta(days=2))
    reminders.run_scan(today=TODAY)
    assert services.send_digests() == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "（2 条）" in by_to["rep@example.cn"].subject
    assert "（1 条）" in by_to["agent@example.cn"].subject  # overdue left out by choice
    assert services.send_digests() == 0  # digested once
    assert not Notification.objects.filter(digested_at__isnull=True).exists()


@pytest.mark.django_db
def test_digest_skips_old_leftovers(rep, account):
    visit_due(account, TODAY)
    reminders.run_scan(today=TODAY)
    later = timezone.now() + timedelta(days=2)
    assert services.send_digests(now=later) == 0
    assert not Notification.objects.filter(digested_at__isnull=True).exists()


def test_digest_schedule_is_local_morning(settings):
    from datetime import datetime

    validate = local_daily(8)
    # 08:00 Asia/Shanghai is 00:00 UTC; Huey passes naive UTC minutes.
    assert validate(datetime(2026, 11, 20, 0, 0))
    assert not validate(datetime(2026, 11, 20, 8, 0))
    assert not validate(datetime(2026, 11, 20, 0, 1))


@pytest.mark.django_db
def test_scan_asked_while_one_runs_ends_at_once(rep):
    from xinren.jobs import services as jobs
    from xinren.jobs.models import JobRun
    from xinren.notifications import tasks

    run = jobs.start("reminder_scan", rep)
    with tasks._scan_lock:
        tasks.reminder_scan(job_id=str(run.pk))
    run = JobRun.objects.get(pk=run.pk)
    assert run.status == "done" and "正在进行" in run.message
