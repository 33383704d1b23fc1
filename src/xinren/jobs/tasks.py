"""The generic background task behind :func:`xinren.jobs.services.submit`."""

from __future__ import annotations

from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import services


@db_task()
def run_job(job_id: str, func: str, kwargs: dict) -> None:
    services.mark_running(job_id)
    on_progress = services.progress_reporter(job_id)
    try:
        result = import_string(func)(**kwargs, on_progress=on_progress)
    except Exception as exc:
        services.fail(job_id, str(exc) or exc.__class__.__name__)
        raise
    message = result.get("message", "") if isinstance(result, dict) else ""
    services.finish(job_id, result, message=str(message))


@db_periodic_task(crontab(minute="23"))
@lock_task("housekeeping")
def housekeeping() -> dict:
    """Hourly: prune old job runs, fail runs whose worker died, and remove the sales import's
    stashed uploads older than a day."""
    from xinren.sales.tasks import remove_stale_uploads

    return {**services.prune_runs(), "uploads_removed": remove_stale_uploads()}
