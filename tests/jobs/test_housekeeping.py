"""The hourly housekeeping job: old finished runs pruned, runs whose worker died marked failed,
stashed import uploads removed after a day."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from xinren.jobs import services as jobs
from xinren.jobs import tasks
from xinren.jobs.models import JobRun, JobStatus
from xinren.sales import tasks as sales_tasks

pytestmark = pytest.mark.django_db


def _run(status, *, started=None, finished=None, kind="x"):
    job = JobRun.objects.create(kind=kind, status=status)
    JobRun.objects.filter(pk=job.pk).update(started_at=started, finished_at=finished)
    return job.pk


def test_prune_runs():
    now = timezone.now()
    day = timedelta(days=1)
    old_done = _run(JobStatus.DONE, started=now - 40 * day, finished=now - 31 * day)
    old_failed = _run(JobStatus.FAILED, started=now - 40 * day, finished=now - 31 * day)
    recent_done = _run(JobStatus.DONE, started=now - 29 * day, finished=now - 29 * day)
    stuck = _run(JobStatus.RUNNING, started=now - timedelta(hours=7))
    busy = _run(JobStatus.RUNNING, started=now - timedelta(hours=5))
    queued = _run(JobStatus.QUEUED)
    assert jobs.prune_runs(now) == {"stale_failed": 1, "deleted": 2}
    left = dict(JobRun.objects.values_list("pk", "status"))
    assert old_done not in left and old_failed not in left
    assert left[recent_done] == JobStatus.DONE
    assert left[stuck] == JobStatus.FAILED and left[busy] == JobStatus.RUNNING
    assert left[queued] == JobStatus.QUEUED
    failed = JobRun.objects.get(pk=stuck)
    assert failed.finished_at == now and "后台进程已停止" in failed.message
    # again: nothing more to do; the run just failed is kept for 30 days like any other
    assert jobs.prune_runs(now) == {"stale_failed": 0, "deleted": 0}


def test_stale_uploads_removed_after_a_day(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert sales_tasks.remove_stale_uploads() == 0  # no folder yet
    folder = tmp_path / "imports"
    folder.mkdir()
    old, fresh = folder / "a", folder / "b"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    (folder / "sub").mkdir()
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(folder / "sub", (two_days_ago, two_days_ago))
    assert sales_tasks.remove_stale_uploads() == 1
    assert not old.exists() and fresh.exists() and (folder / "sub").is_dir()


def test_housekeeping_task_does_both(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    stale = tmp_path / "imports" / "old"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 90000, time.time() - 90000))
    _run(JobStatus.RUNNING, started=timezone.now() - timedelta(hours=8))
    result = tasks.housekeeping.call_local()
    assert result == {"stale_failed": 1, "deleted": 0, "uploads_removed": 1}
    assert not stale.exists()


def test_housekeeping_is_scheduled():
    from huey.contrib.djhuey import HUEY

    due = HUEY.read_periodic(timezone.datetime(2026, 1, 1, 3, 23))
    assert "housekeeping" in {type(t).__name__ for t in due}
    assert "housekeeping" not in {
        type(t).__name__ for t in HUEY.read_periodic(timezone.datetime(2026, 1, 1, 3, 24))
    }
