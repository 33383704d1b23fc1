"""The watch-list API and pages: import (multipart) with errors naming field and rule, hits
with decisions, the lists and entries pages, the company panel."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.timezone import localtime

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.kyc.models import HitStatus, ListEntry, ListHit
from xinren.kyc.screening import screen_all
from xinren.kyc.selectors import latest_run
from xinren.kyc.services import import_list
from xinren.orgs.auth import issue_token

from .conftest import HEADER, csv_bytes

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def upload(content: bytes, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def hit(configurer, rep):
    company = factories.make_customer(rep, name="甲乙贸易有限公司").company
    import_list(
        actor=configurer, content=csv_bytes([HEADER, ["甲乙贸易", company.uscc, "拒不履行",
                                                      "某法院", "2025-01-02"]]),
        filename="l.csv", kind="dishonest", name="失信名单", rescreen=False,
    )  # fmt: skip
    screen_all()
    return ListHit.objects.get()


def test_api_import_report_and_rescreen(configurer, rep):
    company = factories.make_customer(rep, name="甲乙贸易有限公司").company
    content = csv_bytes([HEADER, ["甲乙", company.uscc, "", "", ""], ["丙丁", "123", "", "", ""]])
    body = {"kind": "dishonest", "name": "失信名单", "file": upload(content)}
    refused = api(configurer).upload("/kyc/lists/import", **body)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["rule"]) == ("统一社会信用代码", "uscc_length")
    assert "第 3 行" in error["message"] and ListEntry.objects.count() == 0
    ok = api(configurer).upload("/kyc/lists/import", **{**body, "file": upload(content),
                                                       "mode": "valid"})  # fmt: skip
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert (data["applied"], data["added"], data["failed_rows"]) == (True, 1, 1)
    assert data["job_id"] and ListHit.objects.get().company == company
    listed = api(rep).get("/kyc/lists").json()["items"]
    assert [(x["name"], x["entry_count"]) for x in listed] == [("失信名单", 1)]
    entries = api(rep).get(f"/kyc/lists/{data['list_id']}/entries", q="甲乙").json()["items"]
    assert [e["uscc"] for e in entries] == [company.uscc]


def test_api_import_errors_name_the_field(configurer, rep):
    bad = api(configurer).upload(
        "/kyc/lists/import", kind="watch", name="x", file=upload(b"a,b\n1,2\n")
    )
    assert bad.status_code == 422
    assert {(e["field"], e["rule"]) for e in bad.json()["errors"]} == {("kind", "literal_error")}
    no_name_column = api(configurer).upload(
        "/kyc/lists/import", kind="dishonest", name="x", file=upload(b"a,b\n1,2\n")
    )
    assert no_name_column.status_code == 422
    assert [(e["field"], e["rule"]) for e in no_name_column.json()["errors"]] == [("file", "file")]
    forbidden = api(rep).upload(
        "/kyc/lists/import",
        kind="dishonest",
        name="x",
        file=upload(csv_bytes([HEADER, ["甲", "", "", "", ""]])),
    )
    assert forbidden.status_code == 403


def test_api_hits_and_decision(configurer, rep, hit, org):
    officer = factories.make_user(org.sub_a, "risk_officer", username="risk")
    [row] = api(officer).get("/kyc/hits").json()["items"]
    assert row["id"] == hit.pk and row["matched_by"] == "uscc" and row["status"] == "new"
    assert row["entry"]["reason"] == "拒不履行" and row["list_kind"] == "dishonest"
    # Dismissing needs a reason; an unknown conclusion is refused; both name the field.
    r = api(officer).post(f"/kyc/hits/{hit.pk}/decision", {"status": "dismissed"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    assert r.json()["errors"][0]["rule"] == "required"
    r = api(officer).post(f"/kyc/hits/{hit.pk}/decision", {"status": "maybe"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = api(rep).post(f"/kyc/hits/{hit.pk}/decision", {"status": "confirmed"})
    assert r.status_code == 403  # a sales rep has no approve right
    r = api(officer).post(f"/kyc/hits/{hit.pk}/decision", {"status": "confirmed", "note": "核实"})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    hit.refresh_from_db()
    assert hit.status == HitStatus.CONFIRMED and hit.decided_by == officer
    assert api(officer).get("/kyc/hits", status="new").json()["items"] == []
    assert (
        api(officer).post("/kyc/hits/999999/decision", {"status": "confirmed"}).status_code == 404
    )


def test_api_last_seen_is_when_a_screening_last_found_the_hit(configurer, rep, hit):
    """An open hit is not rewritten by each full run: the API's last_seen (“last found”) is
    the latest run's start; the row keeps when it was inserted."""
    screen_all()
    run = latest_run()
    [row] = api(rep).get("/kyc/hits").json()["items"]
    hit.refresh_from_db()
    assert hit.last_seen < run.started_at

    def ms(at):  # the API gives milliseconds
        return at.replace(microsecond=at.microsecond // 1000 * 1000)

    assert datetime.fromisoformat(row["last_seen"]) == ms(run.started_at)
    assert datetime.fromisoformat(row["first_seen"]) == ms(hit.first_seen) == ms(hit.last_seen)


def test_pages(configurer, rep, hit):
    admin = Client()
    admin.force_login(configurer)
    page = admin.get("/kyc/lists/")
    assert page.status_code == 200 and "失信名单" in page.content.decode()
    assert 'data-testid="list-import-form"' in page.content.decode()
    bad = admin.post("/kyc/lists/", {"kind": "dishonest", "name": "失信名单", "mode": "all",
                                     "file": upload(csv_bytes([HEADER, ["", "", "无名", "", ""]]))})  # fmt: skip
    assert bad.status_code == 422 and 'data-testid="not-applied"' in bad.content.decode()
    assert "required" in bad.content.decode()
    detail = admin.get(f"/kyc/lists/{hit.entry.watch_list_id}/", {"q": "甲乙"})
    assert detail.status_code == 200 and hit.entry.uscc in detail.content.decode()
    user = Client()
    user.force_login(rep)
    text = user.get("/kyc/hits/").content.decode()
    assert "甲乙贸易有限公司" in text and 'data-testid="list-hit"' in text
    run = latest_run()
    assert f"最近一次全量筛查：{localtime(run.started_at):%Y-%m-%d %H:%M}" in text
    # The run's counts are over the whole master: a rep (own scope) does not see them …
    assert "当前匹配" not in text
    # … a user whose scope is the whole group (the group admin) does.
    assert "当前匹配 1 个，新命中 1 个，已解除 0 个" in admin.get("/kyc/hits/").content.decode()
    assert 'data-testid="hit-last-found"' in text
    assert 'data-testid="last-screening"' in user.get("/kyc/lists/").content.decode()
    assert 'data-testid="list-import-form"' not in user.get("/kyc/lists/").content.decode()
    assert user.post("/kyc/lists/", {}).status_code == 403
    panel = user.get(f"/customers/{hit.company_id}/list-hits/").content.decode()
    assert 'data-testid="company-list-hit"' in panel and "拒不履行" in panel
    assert (
        f"/customers/{hit.company_id}/list-hits/"
        in user.get(f"/customers/{hit.company_id}/").content.decode()
    )
    # Deciding on the page (a department head of the same department may approve).
    head = Client()
    head.force_login(factories.make_user(rep.org_unit, "department_head", username="head"))
    r = head.post(f"/kyc/hits/{hit.pk}/decision/", {"status": "dismissed", "note": "同名"})
    assert r.status_code == 302
    hit.refresh_from_db()
    assert (hit.status, hit.note) == (HitStatus.DISMISSED, "同名")


def test_english(configurer, hit):
    r = Client().post(
        f"/api/v1/kyc/hits/{hit.pk}/decision", {"status": "dismissed"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(configurer)[0]}", "Accept-Language": "en"},
    )  # fmt: skip
    assert r.json()["errors"][0]["message"] == "Give the reason for dismissing a hit."
    configurer.preferred_language = "en"
    configurer.save()
    admin = Client()
    admin.force_login(configurer)
    page = admin.get("/kyc/hits/").content.decode()
    assert "Watch-list hits" in page and "Last full screening:" in page
