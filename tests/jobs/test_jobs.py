"""The jobs layer: submit → progress → done/failed; who may watch a job; the progress bar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.jobs import services as jobs
from xinren.jobs.models import JobRun, JobStatus
from xinren.orgs.auth import issue_token


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.mark.django_db
def test_submit_runs_and_reports(rep):
    job = jobs.submit("count", rep, "tests.jobs.sample.count_to", n=5)
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 5, 5, 100)
    assert job.result == {"counted": 5} and job.created_by == rep and job.finished_at


@pytest.mark.django_db
def test_failure_is_recorded(rep):
    job = jobs.submit("broken", rep, "tests.jobs.sample.broken")  # the worker logs the error
    assert job.status == JobStatus.FAILED and "金额格式错误" in job.message and job.done == 1


@pytest.mark.django_db
def test_tracked_block(rep):
    with jobs.tracked("inline", rep) as progress:
        progress(2, 4, "半程")
    job = JobRun.objects.get(kind="inline")
    assert job.status == JobStatus.DONE and job.done == 4


@pytest.mark.django_db
def test_job_api_is_scoped_to_creator_and_admins(org, rep):
    job = jobs.start("count", rep, total=10)
    jobs.report(job.pk, 3)
    mine = ApiClient(issue_token(rep)[0]).get(f"/jobs/{job.pk}")
    assert mine.status_code == 200
    assert mine.json()["done"] == 3 and mine.json()["percent"] == 30
    assert mine.json()["status"] == "queued"
    colleague = factories.make_user(org.a_sales, "sales_rep", username="colleague")
    assert ApiClient(issue_token(colleague)[0]).get(f"/jobs/{job.pk}").status_code == 404
    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    assert ApiClient(issue_token(admin)[0]).get(f"/jobs/{job.pk}").status_code == 200
    other_admin = factories.make_user(org.sub_b, "subsidiary_admin", username="badmin")
    assert ApiClient(issue_token(other_admin)[0]).get(f"/jobs/{job.pk}").status_code == 404
    missing = ApiClient(issue_token(rep)[0]).get("/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_progress_partial_polls_until_done(org, rep):
    job = jobs.start("count", rep, total=4)
    jobs.mark_running(job.pk)
    jobs.report(job.pk, 1)
    client = Client()
    client.force_login(rep)
    url = reverse("web:job-progress", args=[job.pk])
    quick = client.get(url).content.decode()  # under two seconds: no bar yet, still polling
    assert 'hx-trigger="every 1s"' in quick and "progress-bar" not in quick
    JobRun.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=3))
    running = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in running and "progress-bar" in running and "25%" in running
    jobs.finish(job.pk, {"rows": 4})
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done and 'data-status="done"' in done
    outsider = factories.make_user(org.b_sales, "sales_rep", username="outsider")
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_progress_inside_a_transaction_is_visible_to_the_page(rep):
    """An all-or-nothing import reports progress from inside its one transaction: the page,
    on another connection, must see it before the transaction commits (via Huey's store)."""
    from django.db import transaction

    job = jobs.start("long", rep)
    jobs.mark_running(job.pk)
    with transaction.atomic():
        jobs.report(job.pk, 3, 10, "导入中")
        # What the progress view computes: the job row, overlaid with the live progress.
        committed = JobRun.objects.using("default").get(pk=job.pk)
        seen = jobs.with_live_progress(committed)
        assert (seen.done, seen.total, seen.message) == (3, 10, "导入中")
        assert seen.percent == 30
    jobs.finish(job.pk, {"ok": True})
    done = jobs.with_live_progress(JobRun.objects.get(pk=job.pk))
    assert done.status == JobStatus.DONE and done.result == {"ok": True}
    from huey.contrib.djhuey import HUEY

    assert HUEY.get(jobs._progress_key(job.pk), peek=True) is None  # forgotten at the end
