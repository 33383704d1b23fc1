"""Background job runs: start one, report progress, finish or fail it.

Running long work in the background with a progress bar is one line::

    from xinren.jobs.services import submit
    job = submit("sales_import", request.user, "xinren.sales.imports.run", path=str(path))

``submit`` records a :class:`JobRun` and queues the Huey task ``jobs.tasks.run_job``, which
imports the dotted function and calls it with the keyword arguments plus
``on_progress(done, total, message="")``; whatever it returns (JSON-serialisable) becomes
``JobRun.result``, and an exception marks the run failed with its message. The page then
shows ``{% include "xinren/jobs/_progress.html" with job=job %}``, which polls
``/jobs/<id>/progress/`` with htmx (the JSON is at ``/api/v1/jobs/<id>``).

Code already running inside a task reports through :func:`tracked`::

    with tracked("reminder_scan") as progress:
        progress(done, total)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import JobRun, JobStatus

ProgressFn = Callable[..., None]

# Progress writes are throttled: one UPDATE per this many seconds at most (plus the last).
PROGRESS_EVERY = 0.5


def start(kind: str, user=None, *, total: int = 0, message: str = "") -> JobRun:
    return JobRun.objects.create(
        kind=kind,
        created_by=user if user is not None and user.pk else None,
        total=total,
        message=message[:255],
    )


def mark_running(job_id) -> None:
    JobRun.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())


def _progress_key(job_id) -> str:
    return f"xinren:job-progress:{job_id}"


def report(job_id, done: int, total: int | None = None, message: str | None = None) -> None:
    """Record progress.

    An UPDATE of the job row. Inside a transaction (an all-or-nothing import holds one for its
    whole run) that UPDATE stays invisible to the page until the end, and on SQLite another
    connection could not write it at all while the import holds the write lock; so progress
    then also goes to Huey's key-value store (its own SQLite file, or Redis), which the page
    reads through :func:`with_live_progress`."""
    fields: dict[str, Any] = {"done": max(0, int(done))}
    if total is not None:
        fields["total"] = max(0, int(total))
    if message is not None:
        fields["message"] = str(message)[:255]
    JobRun.objects.filter(pk=job_id).update(**fields)
    if transaction.get_connection().in_atomic_block:
        from huey.contrib.djhuey import HUEY

        live = HUEY.get(_progress_key(job_id), peek=True) or {}
        HUEY.put(_progress_key(job_id), {**live, **fields})


def with_live_progress(job: JobRun) -> JobRun:
    """The job with the latest progress a running transaction reported (see :func:`report`)."""
    if job.status != JobStatus.RUNNING:
        return job
    from huey.contrib.djhuey import HUEY

    live = HUEY.get(_progress_key(job.pk), peek=True)
    for field, value in (live or {}).items():
        setattr(job, field, value)
    return job


def _forget_live_progress(job_id) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.get(_progress_key(job_id))  # a plain get removes the key


def finish(job_id, result: Any = None, message: str = "") -> None:
    _forget_live_progress(job_id)
    JobRun.objects.filter(pk=job_id).update(
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        result=result if isinstance(result, dict) else {"value": result},
        message=message[:255],
    )


def fail(job_id, message: str) -> None:
    _forget_live_progress(job_id)
    JobRun.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), message=str(message)[:255]
    )


def progress_reporter(job_id) -> ProgressFn:
    """An ``on_progress(done, total, message=None)`` callback, throttled."""
    last = [0.0]

    def on_progress(done: int, total: int | None = None, message: str | None = None) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or (total is not None and done >= total):
            last[0] = now
            report(job_id, done, total, message)

    return on_progress


@contextlib.contextmanager
def tracked(kind: str, user=None, job_id=None) -> Iterator[ProgressFn]:
    """Run a block as a job: running → done, or failed (and the exception re-raised)."""
    job_id = job_id or start(kind, user).pk
    mark_running(job_id)
    on_progress = progress_reporter(job_id)
    on_progress.job_id = job_id  # type: ignore[attr-defined]
    try:
        yield on_progress
    except Exception as exc:
        fail(job_id, str(exc) or exc.__class__.__name__)
        raise
    else:
        job = JobRun.objects.filter(pk=job_id).values("done", "total").first() or {}
        if job.get("total") and job.get("done", 0) < job["total"]:
            report(job_id, job["total"])
        finish(job_id)


def submit(kind: str, user, func: str, /, **kwargs) -> JobRun:
    """Record a job and run ``func(**kwargs, on_progress=…)`` in the background worker."""
    from .tasks import run_job

    job = start(kind, user)
    run_job(str(job.pk), func, kwargs)
    job.refresh_from_db()
    return job


# --- housekeeping -------------------------------------------------------------------------------
KEEP_FINISHED = timedelta(days=30)
# No job runs this long: one still "running" after it lost its worker (killed, machine
# restarted) would otherwise spin its progress bar forever.
STALE_RUNNING = timedelta(hours=6)


def prune_runs(now=None) -> dict[str, int]:
    """Delete finished (done or failed) runs older than 30 days, and mark runs still
    "running" six hours after they started as failed ("worker stopped"). Idempotent."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # no user here: the site's language
        stopped = _("后台进程已停止：任务运行超过 6 小时仍未结束。")
    stale = JobRun.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - STALE_RUNNING
    ).update(
        status=JobStatus.FAILED,
        finished_at=now,
        message=stopped[:255],
    )
    deleted, _by_model = JobRun.objects.filter(
        status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=now - KEEP_FINISHED
    ).delete()
    return {"stale_failed": stale, "deleted": deleted}
