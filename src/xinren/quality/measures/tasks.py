"""The daily refresh of the data-quality measures (Huey periodic task), also run on demand
as a job with a progress bar."""

from __future__ import annotations

from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from xinren.jobs import services as jobs
from xinren.notifications.tasks import local_daily

from . import services

REFRESH_HOUR = 2  # 02:30 local time, after the day's work and before the morning digest
REFRESH_MINUTE = 30
JOB_KIND = "quality_refresh"

# Declared at import, so `xinren worker` flushes it when it starts (a killed worker's lock).
_refresh_lock = lock_task("quality-refresh")


@db_task()
def quality_refresh(job_id: str | None = None) -> dict | None:
    """Score every account, close tasks at the bar, write today's snapshot. A refresh asked
    for while another runs ends at once (its job says so)."""
    try:
        with _refresh_lock, jobs.tracked(JOB_KIND, job_id=job_id) as progress:
            result = services.refresh_scores(on_progress=progress)
    except TaskLockedException:
        if job_id:
            jobs.finish(job_id, message=_("另一次数据质量刷新正在进行。"))
        return None
    if job_id:
        jobs.finish(job_id, result, message=result["message"])
    return result


@db_periodic_task(local_daily(REFRESH_HOUR, REFRESH_MINUTE))
def daily_quality_refresh() -> None:
    quality_refresh()


def start_refresh(user):
    """Queue a refresh now as a job the page can follow; returns the JobRun."""
    run = jobs.start(JOB_KIND, user)
    quality_refresh(job_id=str(run.pk))
    return run.__class__.objects.get(pk=run.pk)
