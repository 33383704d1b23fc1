"""``/api/v1/quality/duplicate-pairs`` and ``/api/v1/quality/dedupe-runs``: listing with
filters and pages, decisions, starting a run, and the error answers (401/403/404/422 naming
the field and the rule)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apis.conftest import ApiClient, errors_of
from xinren.audit.models import ChangeLog
from xinren.jobs.models import JobStatus
from xinren.orgs.auth import issue_token
from xinren.quality.models import DuplicatePair, PairStatus
from xinren.quality.services_dedupe import run_detection

from .dedupe_data import make_companies


@pytest.fixture
def steward(org):
    return factories.make_user(org.a_sales, "department_head", username="steward")


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def companies(rep):
    return make_companies(rep)


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


@pytest.fixture
def detected(steward, companies):
    return run_detection(actor=steward)


def test_list_pairs_best_first_with_both_sides(steward, companies, detected):
    res = _api(steward).get("/quality/duplicate-pairs")
    assert res.status_code == 200
    body = res.json()
    items = body["items"]
    assert len(items) == DuplicatePair.objects.count() >= 2 and body["next_cursor"] is None
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    by_names = {(i["company_a"]["name"], i["company_b"]["name"]): i for i in items}
    hw = companies["hw_sh"], companies["hw_br"]
    a, b = sorted(hw, key=lambda c: c.pk)
    item = by_names[(a.name, b.name)]
    assert "same_name" in [r["code"] for r in item["reasons"]]
    assert all(r["label"] for r in item["reasons"])
    assert item["company_a"]["id"] == a.pk and item["company_a"]["accounts"] == 1
    assert item["company_b"]["region"] and item["company_b"]["legal_rep"] == "张伟"
    # The second record carries a legal representative the first lacks: keep it.
    assert item["suggested_survivor_id"] == companies["hw_br"].pk
    assert item["status"] == "open" and item["run_id"] == detected.pk


def test_filters_and_pages(steward, companies, detected):
    api = _api(steward)
    names = api.get("/quality/duplicate-pairs", reason="same_name").json()["items"]
    assert names and all("same_name" in [r["code"] for r in i["reasons"]] for i in names)
    top = max(p.score for p in DuplicatePair.objects.all())
    high = api.get("/quality/duplicate-pairs", min_score=top).json()["items"]
    assert high and all(i["score"] == top for i in high)
    assert api.get("/quality/duplicate-pairs", status="same").json()["items"] == []
    # One per page, following the cursor: every pair once, in the same order.
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.get("/quality/duplicate-pairs", **params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    everything = [i["id"] for i in api.get("/quality/duplicate-pairs").json()["items"]]
    assert seen == everything


def test_decision_is_stored_and_in_history(steward, detected):
    pair = DuplicatePair.objects.first()
    res = _api(steward).post(
        f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "different", "note": "两家"}
    )
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "different" and body["note"] == "两家"
    assert body["decided_by_id"] == steward.pk and body["decided_at"]
    pair.refresh_from_db()
    assert pair.status == PairStatus.DIFFERENT
    assert ChangeLog.objects.filter(entity="quality.duplicatepair", object_id=pair.pk).count() == 2
    listed = _api(steward).get("/quality/duplicate-pairs", status="different").json()["items"]
    assert [i["id"] for i in listed] == [pair.pk]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"status": "maybe"}, "status", "choice"),
        ({"status": "open"}, "status", "choice"),
        ({}, "status", "missing"),
        ({"status": "same", "note": "x" * 201}, "note", "max_length"),
    ],
)
def test_bad_decision_is_422_and_changes_nothing(steward, detected, body, field, rule):
    pair = DuplicatePair.objects.first()
    res = _api(steward).post(f"/quality/duplicate-pairs/{pair.pk}/decision", body)
    assert res.status_code == 422 and (field, rule) in errors_of(res)
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"status": "pending"}, "status", "choice"),
        ({"min_score": 101}, "min_score", "range"),
        ({"min_score": "x"}, "min_score", "int_parsing"),
        ({"reason": "Same Name"}, "reason", "format"),
        ({"cursor": "bm9wZQ"}, "cursor", "invalid_cursor"),
        ({"limit": 0}, "limit", "greater_than_equal"),
    ],
)
def test_bad_filters_are_422_naming_field_and_rule(steward, detected, params, field, rule):
    res = _api(steward).get("/quality/duplicate-pairs", **params)
    assert res.status_code == 422 and (field, rule) in errors_of(res)


def test_without_the_merge_right_403(rep, detected):
    pair = DuplicatePair.objects.first()
    api = _api(rep)
    assert api.get("/quality/duplicate-pairs").status_code == 403
    assert api.get(f"/quality/duplicate-pairs/{pair.pk}").status_code == 403
    res = api.post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "same"})
    assert res.status_code == 403 and ("", "forbidden") in errors_of(res)
    assert api.post("/quality/dedupe-runs", {}).status_code == 403
    assert api.get("/quality/dedupe-runs").status_code == 403
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_unknown_or_out_of_scope_pair_is_404(steward, org, detected):
    api = _api(steward)
    res = api.get("/quality/duplicate-pairs/999999")
    assert res.status_code == 404 and ("", "not_found") in errors_of(res)
    stranger = factories.make_user(org.b_sales, "department_head", username="stranger")
    pair = DuplicatePair.objects.first()
    assert _api(stranger).get(f"/quality/duplicate-pairs/{pair.pk}").status_code == 404
    res = _api(stranger).post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "same"})
    assert res.status_code == 404
    assert _api(stranger).get("/quality/duplicate-pairs").json()["items"] == []


def test_start_a_run_returns_its_job(steward, companies):
    res = _api(steward).post("/quality/dedupe-runs", {"threshold": 70})
    assert res.status_code == 202
    body = res.json()
    assert body["job_id"] and body["threshold"] == 70
    assert body["job_status"] == JobStatus.DONE  # the test worker runs jobs at once
    job = _api(steward).get(f"/jobs/{body['job_id']}").json()
    assert job["status"] == "done" and job["percent"] == 100
    runs = _api(steward).get("/quality/dedupe-runs").json()["items"]
    assert runs[0]["id"] == body["id"] and runs[0]["pairs_found"] == DuplicatePair.objects.count()
    assert runs[0]["by_reason"]["same_name"] >= 1
    one = _api(steward).get(f"/quality/dedupe-runs/{body['id']}").json()
    assert one["finished_at"] and one["companies"] == len(companies)


@pytest.mark.parametrize(
    ("body", "rule"), [({"threshold": 20}, "range"), ({"threshold": "abc"}, "int_parsing")]
)
def test_start_a_run_bad_threshold_422(steward, companies, body, rule):
    res = _api(steward).post("/quality/dedupe-runs", body)
    assert res.status_code == 422 and ("threshold", rule) in errors_of(res)
    assert _api(steward).get("/quality/dedupe-runs").json()["items"] == []


def test_needs_authentication(db):
    assert ApiClient().get("/quality/duplicate-pairs").status_code == 401
    assert ApiClient().post("/quality/dedupe-runs", {}).status_code == 401


def test_english_messages(steward, detected):
    pair = DuplicatePair.objects.first()
    res = _api(steward).client.post(
        f"/api/v1/quality/duplicate-pairs/{pair.pk}/decision",
        data='{"status": "maybe"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(steward)[0]}", "Accept-Language": "en"},
    )
    assert res.status_code == 422
    assert "same, different or unsure" in res.json()["errors"][0]["message"]


def test_a_second_run_while_one_is_running_is_422(steward, companies):
    from xinren.quality.models import DedupeRun

    DedupeRun.objects.create(created_by=steward)  # unfinished, recent
    res = _api(steward).post("/quality/dedupe-runs", {})
    assert res.status_code == 422 and ("run", "already_running") in errors_of(res)
    assert DedupeRun.objects.count() == 1


def test_decision_shows_in_the_company_history(steward, companies, detected):
    pair = DuplicatePair.objects.first()
    _api(steward).post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "same"})
    for company_id in (pair.company_a_id, pair.company_b_id):
        items = _api(steward).get(f"/companies/{company_id}/history").json()["items"]
        [entry] = [i for i in items if i["entity"] == "quality.duplicatepair"]
        assert entry["changes"]["status"] == {"before": "open", "after": "same"}
