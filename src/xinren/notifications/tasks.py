"""Periodic jobs: the reminder scan (hourly), the e-mail outbox (every minute), the daily
digest (08:00 in ``settings.TIME_ZONE``, Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from xinren.jobs import services as jobs

from . import reminders, services

DIGEST_HOUR = 8


def local_daily(hour: int, minute: int = 0):
    """A Huey schedule validator: once a day at ``hour:minute`` local time (Huey hands it
    the current minute in UTC)."""

    def validate(moment: datetime) -> bool:
        utc = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        local = timezone.localtime(utc, timezone.get_default_timezone())
        return (local.hour, local.minute) == (hour, minute)

    return validate


# Locks are declared at import, so `xinren worker` flushes them when it starts: a worker
# killed mid-scan does not leave the next scan locked out.
_scan_lock = lock_task("reminder-scan")


@db_task()
def reminder_scan(job_id: str | None = None) -> dict | None:
    """Create today's reminders, then send their e-mails. Reruns are harmless; a scan asked
    for while another runs ends at once (its job says so)."""
    try:
        with _scan_lock, jobs.tracked("reminder_scan", job_id=job_id) as progress:
            result = reminders.run_scan(on_progress=progress)
    except TaskLockedException:
        if job_id:
            jobs.finish(job_id, message=_("另一次提醒检查正在进行。"))
        return None
    email_outbox()
    return result


@db_periodic_task(crontab(minute="7"))
def hourly_reminder_scan() -> None:
    reminder_scan()


@db_periodic_task(crontab(minute="*"))
@lock_task("email-outbox")
def email_outbox() -> int:
    total = 0
    while sent := services.flush_outbox():
        total += sent
    return total


@db_periodic_task(local_daily(DIGEST_HOUR))
@lock_task("daily-digest")
def daily_digest() -> int:
    return services.send_digests()
