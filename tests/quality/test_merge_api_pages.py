"""The merge API (preview, merge, undo, list) and pages (merge, result, history)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient, errors_of
from xinren.customers.models import Company, Contact, CustomerAccount
from xinren.orgs.auth import issue_token
from xinren.quality.models import MergeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    head = factories.make_user(org.a_sales, "department_head", username="head")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    rep_b = factories.make_user(org.b_sales, "sales_rep", username="repb")
    return head, rep, rep_b


@pytest.fixture
def two(people):
    head = people[0]
    s = factories.make_customer(head, name="苏州恒达机械有限公司")
    o = factories.make_customer(
        head, name="苏州恒达机械有限公司", phone="0512-65551234", main_business="机械制造"
    )
    Contact.objects.create(company=o.company, name="王采购")
    return s, o


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def test_preview_shows_rules_counts_and_combined_accounts(people, two):
    head = people[0]
    s, o = two
    body = (
        api(head)
        .get("/quality/merges/preview", survivor_id=s.company_id, other_id=o.company_id)
        .json()
    )
    fields = {f["field"]: f for f in body["fields"]}
    assert fields["phone"]["pick"] == "other" and fields["phone"]["reason"] == "non_empty"
    assert fields["phone"]["reason_label"] == "非空"
    assert fields["name"]["reason"] == "same"
    assert body["survivor_verification"] == body["other_verification"] == 1
    moves = {m["label"]: m["rows"] for m in body["moves"]}
    assert moves["联系人"] == 1
    assert body["combined_accounts"] == [
        {"archive_no": o.archive_no, "into_archive_no": s.archive_no, "business_unit": "华东子公司"}
    ]


def test_merge_and_undo_through_the_api(people, two):
    head = people[0]
    s, o = two
    client = api(head)
    r = client.post(
        "/quality/merges",
        {
            "survivor_id": s.company_id,
            "other_id": o.company_id,
            "choices": {"phone": "survivor", "uscc": "survivor"},
        },
    )
    assert r.status_code == 201, r.json()
    out = r.json()
    assert out["survivor_id"] == s.company_id and out["other_id"] == o.company_id
    assert out["changed_fields"] == ["main_business"]
    assert out["merged_archive_nos"] == [o.archive_no]
    assert not Company.objects.filter(pk=o.company_id).exists()
    assert Company.objects.get(pk=s.company_id).phone == ""
    listed = client.get("/quality/merges").json()
    assert [m["id"] for m in listed] == [out["id"]]
    undone = client.post(f"/quality/merges/{out['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert CustomerAccount.objects.get(pk=o.pk).archive_no == o.archive_no
    again = client.post(f"/quality/merges/{out['id']}/undo")
    assert again.status_code == 422 and errors_of(again) == {("merge", "already_undone")}


def test_api_errors_name_field_and_rule(people, two):
    head, rep, rep_b = people
    s, o = two
    client = api(head)
    ids = {"survivor_id": s.company_id, "other_id": o.company_id}
    r = client.post("/quality/merges", ids | {"choices": {"colour": "other"}})
    assert r.status_code == 422 and errors_of(r) == {("choices.colour", "unknown_field")}
    r = client.post("/quality/merges", ids | {"choices": {"phone": "both"}})
    assert r.status_code == 422 and errors_of(r) == {("choices.phone", "choice")}
    r = client.post("/quality/merges", {"survivor_id": s.company_id})
    assert r.status_code == 422 and ("other_id", "missing") in errors_of(r)
    r = client.post("/quality/merges", {"survivor_id": s.company_id, "other_id": s.company_id})
    assert r.status_code == 422 and errors_of(r) == {("other_id", "same_company")}
    # English when the user's language is English.
    r = client.client.post(
        "/api/v1/quality/merges",
        data=json.dumps({"survivor_id": s.company_id, "other_id": s.company_id}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}", "Accept-Language": "en"},
    )
    assert "itself" in r.json()["errors"][0]["message"]
    # Rights: no MERGE → 403; out of scope → 404 (the same as a company that does not exist).
    assert api(rep).post("/quality/merges", ids).status_code == 403
    assert (
        api(rep)
        .get("/quality/merges/preview", survivor_id=s.company_id, other_id=o.company_id)
        .status_code
        == 403
    )
    elsewhere = factories.make_customer(rep_b)
    r = client.post(
        "/quality/merges", {"survivor_id": s.company_id, "other_id": elsewhere.company_id}
    )
    assert r.status_code == 404
    r404 = client.post("/quality/merges", {"survivor_id": s.company_id, "other_id": 10**9})
    assert r404.status_code == 404 and r404.json() == r.json()
    assert client.post("/quality/merges/999999/undo").status_code == 404
    assert Company.objects.filter(pk=o.company_id).exists()


def test_merge_page_and_result_page_with_undo(people, two):
    head = people[0]
    s, o = two
    c = Client()
    c.force_login(head)
    url = f"/quality/merge/{s.company_id}/{o.company_id}/"
    start = c.get("/quality/merges/", {"survivor_id": s.company_id, "other_id": o.company_id})
    assert start.status_code == 302 and start["Location"] == url
    html = c.get(url).content.decode()
    assert 'name="choice_phone"' in html and "非空" in html
    assert f"/quality/merge/{o.company_id}/{s.company_id}/" in html  # swap
    assert "联系人" in html and o.archive_no in html
    r = c.post(url, {"choice_phone": "other", "choice_main_business": "survivor"})
    record = MergeRecord.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/quality/merges/{record.pk}/"
    assert Company.objects.get(pk=s.company_id).phone == "0512-65551234"
    assert Company.objects.get(pk=s.company_id).main_business == ""
    page = c.get(r["Location"]).content.decode()
    assert "撤销合并" in page and f"/customers/{s.company_id}/" in page
    history = c.get("/quality/merges/").content.decode()
    assert o.company.name in history
    found = c.get("/quality/merges/", {"archive_no": o.archive_no}).content.decode()
    assert "已合并到" in found
    r = c.post(f"/quality/merges/{record.pk}/undo/")
    assert r.status_code == 302 and r["Location"] == f"/customers/{o.company_id}/"
    assert Company.objects.filter(pk=o.company_id).exists()
    assert "已撤销" in c.get(f"/quality/merges/{record.pk}/").content.decode()


def test_merge_page_errors_and_scope(people, two):
    head, rep, rep_b = people
    s, o = two
    c = Client()
    c.force_login(head)
    bad = c.post(f"/quality/merge/{s.company_id}/{o.company_id}/", {"choice_phone": "nobody"})
    assert bad.status_code == 422 and "choices.phone" in bad.content.decode()
    assert Company.objects.filter(pk=o.company_id).exists()
    elsewhere = factories.make_customer(rep_b)
    assert c.get(f"/quality/merge/{s.company_id}/{elsewhere.company_id}/").status_code == 404
    assert c.get(f"/quality/merge/{s.company_id}/{s.company_id}/").status_code == 404
    c.force_login(rep)
    assert c.get(f"/quality/merge/{s.company_id}/{o.company_id}/").status_code == 403


def test_sensitive_values_stay_masked(org, two):
    from xinren.orgs.models import Role

    s, o = two
    role = Role.objects.create(
        code="steward", name="主数据管理员", scope="group", actions=["view", "edit", "merge"]
    )
    steward = factories.make_user(org.hq_office, role.code)
    body = (
        api(steward)
        .get("/quality/merges/preview", survivor_id=s.company_id, other_id=o.company_id)
        .json()
    )
    phone = next(f for f in body["fields"] if f["field"] == "phone")
    assert phone["other_value"] and "65551234" not in phone["other_value"]
    c = Client()
    c.force_login(steward)
    url = f"/quality/merge/{s.company_id}/{o.company_id}/"
    assert "65551234" not in c.get(url).content.decode()
    r = c.post(url, {"choice_phone": "other"})
    detail = c.get(r["Location"]).content.decode()
    assert "公司电话" in detail and "65551234" not in detail


def test_links_to_a_merged_away_customer_lead_to_the_survivor(people, two):
    """Notifications and bookmarks keep the other company's id: its page redirects to the
    survivor for a user who sees it, stays "not found" for one who does not, and after an
    undo shows the restored company again."""
    from xinren.quality.merging import merge_companies, unmerge

    head, _rep, rep_b = people
    s, o = two
    record = merge_companies(actor=head, survivor=s.company, other=o.company)
    browser = Client()
    browser.force_login(head)
    r = browser.get(f"/customers/{o.company_id}/")
    assert r.status_code == 302 and r["Location"] == f"/customers/{s.company_id}/"
    assert "已合并" in browser.get(r["Location"]).content.decode()
    outsider = Client()
    outsider.force_login(rep_b)
    assert outsider.get(f"/customers/{o.company_id}/").status_code == 404
    unmerge(actor=head, record=record)
    assert browser.get(f"/customers/{o.company_id}/").status_code == 200
