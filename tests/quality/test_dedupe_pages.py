"""The review queue page, starting a run from it and deciding a pair (htmx partials)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from tests import factories
from xinren.quality.matching import reason_label
from xinren.quality.models import DedupeRun, DuplicatePair, PairStatus
from xinren.quality.services_dedupe import run_detection
from xinren.quality.views_dedupe import merge_url

from .dedupe_data import make_companies

HTMX = {"HX-Request": "true"}


@pytest.fixture
def steward(org):
    return factories.make_user(org.a_sales, "department_head", username="steward")


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def companies(rep):
    return make_companies(rep)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_queue_lists_pairs_side_by_side(steward, companies):
    run_detection(actor=steward)
    html = _client(steward).get("/quality/duplicates/").content.decode()
    assert html.count('data-testid="pair"') == DuplicatePair.objects.count()
    for key in ("hw_sh", "hw_br", "ht_1", "ht_2"):
        assert companies[key].name in html
        if companies[key].uscc:
            assert companies[key].uscc in html
    assert "长江食品有限公司" not in html
    with translation.override("zh-hans"):
        assert 'data-reason="same_name"' in html and reason_label("same_name") in html
    assert "/quality/duplicates/" in html and 'data-testid="last-run"' in html
    # The navigation leads here for a merge-right holder, not for a rep.
    assert 'href="/quality/duplicates/"' in html
    rep_home = _client(companies["hw_sh"].created_by).get("/customers/").content.decode()
    assert 'href="/quality/duplicates/"' not in rep_home


def test_queue_needs_the_merge_right(rep):
    assert _client(rep).get("/quality/duplicates/").status_code == 403
    assert _client(rep).post("/quality/duplicates/run/", headers=HTMX).status_code == 403


def test_start_a_run_from_the_page(steward, companies):
    res = _client(steward).post("/quality/duplicates/run/", {"threshold": ""}, headers=HTMX)
    assert res.status_code == 200
    run = DedupeRun.objects.get()
    assert run.job_id and run.finished_at and run.pairs_found == DuplicatePair.objects.count()
    assert 'data-testid="last-run"' in res.content.decode()
    bad = _client(steward).post("/quality/duplicates/run/", {"threshold": "5"}, headers=HTMX)
    assert bad.status_code == 422 and "阈值" in bad.content.decode()
    assert DedupeRun.objects.count() == 1


def test_decide_a_pair_answers_its_card_with_a_merge_link(steward, companies):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.first()
    res = _client(steward).post(
        f"/quality/duplicates/{pair.pk}/decide/", {"status": "same"}, headers=HTMX
    )
    assert res.status_code == 200
    html = res.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.SAME and 'data-status="same"' in html
    assert 'data-testid="merge-link"' in html
    assert "/quality/merge/" in merge_url(pair.company_a_id, pair.company_b_id)
    bad = _client(steward).post(
        f"/quality/duplicates/{pair.pk}/decide/", {"status": "maybe"}, headers=HTMX
    )
    assert bad.status_code == 422 and 'data-testid="pair-error"' in bad.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.SAME


def test_filters_on_the_page(steward, companies):
    run_detection(actor=steward)
    client = _client(steward)
    phone = client.get("/quality/duplicates/", {"reason": "same_phone"}).content.decode()
    assert companies["ht_1"].name in phone and companies["hw_sh"].name not in phone
    assert (
        client.get("/quality/duplicates/", {"status": "same"})
        .content.decode()
        .count('data-testid="pair"')
        == 0
    )
    bad = client.get("/quality/duplicates/", {"min_score": "abc"})
    assert bad.status_code == 422 and 'data-testid="queue-error"' in bad.content.decode()


def test_english_page(steward, companies):
    run_detection(actor=steward)
    client = _client(steward)
    client.cookies["django_language"] = "en"
    html = client.get("/quality/duplicates/", headers={"Accept-Language": "en"}).content.decode()
    assert "Duplicate review" in html and "Same company" in html and "Find duplicates" in html


def test_a_running_job_shows_its_progress_bar(steward, companies):
    from xinren.jobs.models import JobRun, JobStatus

    job = JobRun.objects.create(kind="dedupe", created_by=steward, status=JobStatus.RUNNING,
                                total=10, done=4)  # fmt: skip
    DedupeRun.objects.create(created_by=steward, job=job)
    html = _client(steward).get("/quality/duplicates/").content.decode()
    assert 'data-testid="run-job"' in html and f"/jobs/{job.pk}/progress/" in html
    # One run at a time: the button answers why nothing started.
    res = _client(steward).post("/quality/duplicates/run/", headers=HTMX)
    assert res.status_code == 422 and 'data-testid="run-error"' in res.content.decode()
    assert DedupeRun.objects.count() == 1


def test_without_javascript_a_decision_redirects_back(steward, companies):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.first()
    res = _client(steward).post(f"/quality/duplicates/{pair.pk}/decide/", {"status": "unsure"})
    assert res.status_code == 302 and res.url == "/quality/duplicates/"
    pair.refresh_from_db()
    assert pair.status == PairStatus.UNSURE
    client = _client(steward)
    res = client.post(f"/quality/duplicates/{pair.pk}/decide/", {"status": "x"}, follow=True)
    assert "同一企业、不同企业或不确定" in res.content.decode()


def test_counter_evidence_is_shown_apart_with_its_sign(steward, companies):
    c = companies
    a, b = sorted((c["lone_1"].pk, c["lone_2"].pk))
    DuplicatePair.objects.create(
        company_a_id=a,
        company_b_id=b,
        score=62,
        reasons=[
            {"code": "same_legal_rep", "score": 40},
            {"code": "similar_name", "score": 62},
            {"code": "different_uscc", "score": -40},
        ],
    )
    html = _client(steward).get("/quality/duplicates/").content.decode()
    start = html.index('data-reason="different_uscc"')
    badge = html[html.rindex("<span", 0, start) : html.index("</span>", start)]
    assert "text-danger-emphasis" in badge and "-40" in badge
    assert reason_label("different_uscc") in badge
    start = html.index('data-reason="same_legal_rep"')
    assert "text-danger" not in html[html.rindex("<span", 0, start) : start]
