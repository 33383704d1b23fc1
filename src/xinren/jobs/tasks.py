"""The generic background task behind :func:`xinren.jobs.services.submit`."""

from __future__ import annotations

from django.utils.module_loading import import_string
from huey.contrib.djhuey import db_task

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
