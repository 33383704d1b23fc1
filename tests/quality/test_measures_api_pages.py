"""The measures API and pages: shapes, drill-down, errors naming the field and the rule."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.orgs.auth import issue_token
from xinren.quality.measures import services
from xinren.quality.measures.models import QualityProfile, QualityTask

from .measures_data import bare_customer, corrupt, full_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    south = factories.make_user(org.b_sales, "sales_rep", username="south")
    boss = factories.make_user(org.hq, "group_admin", username="boss")
    good = full_customer(rep)
    bad = bare_customer(rep)
    broken = full_customer(south)
    corrupt(broken, phone="12345")
    services.refresh_scores()
    return rep, south, boss, good, bad, broken


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def test_measures_grouped_and_drilled(world, org):
    rep, south, boss, *_ = world
    body = api(boss).get("/quality/measures", group_by="subsidiary").json()
    assert body["total"]["records"] == 3
    assert body["total"]["required_filled"] == 12 + 1 + 12
    assert {r["key"] for r in body["rows"]} == {org.sub_a.pk, org.sub_b.pk}
    assert body["computed_at"]
    body = api(boss).get("/quality/measures", group_by="rep", subsidiary=org.sub_a.pk).json()
    assert [r["key"] for r in body["rows"]] == [rep.pk]
    assert body["rows"][0]["completeness"] == 13 / 24
    # A rep's scope: own accounts only, whatever they ask for.
    body = api(rep).get("/quality/measures", group_by="subsidiary", subsidiary=org.sub_b.pk).json()
    assert body["total"]["records"] == 0 and body["rows"] == []
    assert body["total"]["completeness"] is None


def test_worst_records_list_what_is_wrong(world):
    rep, south, boss, good, bad, broken = world
    records = api(boss).get("/quality/records/worst", limit=10).json()["records"]
    assert [r["account_id"] for r in records] == [bad.pk, broken.pk, good.pk]
    assert {"key": "legal_rep", "label": "法定代表人"} in records[0]["missing"]
    assert records[1]["invalid"] == [{"key": "phone", "label": "公司电话"}]


def test_api_errors_name_the_field_and_rule(world):
    rep, south, boss, *_ = world
    r = api(boss).get("/quality/measures", group_by="region")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "group_by"
    assert r.json()["errors"][0]["rule"] == "choice"
    assert "subsidiary" in r.json()["detail"]
    r = api(boss).get("/quality/records/worst", limit=0)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    r = api(boss).get("/quality/measures", subsidiary="abc")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "subsidiary"
    r = api(boss).post("/quality/tasks", {"limit": 500})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    assert not QualityTask.objects.exists()
    r = api(boss).get("/quality/tasks", status="closed")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    assert ApiClient().get("/quality/measures").status_code == 401
    # English for an English request.
    r = ApiClient(issue_token(boss)[0]).client.get(
        "/api/v1/quality/measures?group_by=x",
        headers={"Authorization": f"Bearer {issue_token(boss)[0]}", "Accept-Language": "en"},
    )
    assert r.status_code == 422 and "group_by must be" in r.json()["detail"]


def test_task_endpoints(world, org):
    rep, south, boss, good, bad, broken = world
    auditor = factories.make_user(org.hq, "auditor", username="aud")
    assert api(auditor).post("/quality/tasks", {"limit": 5}).status_code == 403
    r = api(boss).post("/quality/tasks", {"limit": 5})
    assert r.status_code == 201 and r.json()["created"] == 2
    mine = api(rep).get("/quality/tasks").json()["tasks"]
    assert [t["account_id"] for t in mine] == [bad.pk]
    assert mine[0]["completeness_now"] == 1 / 12
    assert api(south).get("/quality/tasks").json()["tasks"][0]["account_id"] == broken.pk


def test_refresh_endpoint_needs_configure(world, org):
    rep, south, boss, *_ = world
    assert api(rep).post("/quality/refresh").status_code == 403
    r = api(boss).post("/quality/refresh")
    assert r.status_code == 202 and r.json()["job_id"]
    job = api(boss).get(f"/jobs/{r.json()['job_id']}").json()
    assert job["status"] == "done"


def test_dashboard_page_drills_down(world, org):
    rep, south, boss, good, bad, broken = world
    client = Client()
    client.force_login(boss)
    html = client.get("/quality/").content.decode()
    assert org.sub_a.name in html and org.sub_b.name in html
    assert bad.company.name in html and "法定代表人" in html
    html = client.get(f"/quality/?subsidiary={org.sub_a.pk}").content.decode()
    assert org.a_sales.name in html and broken.company.name not in html
    html = client.get(f"/quality/?department={org.a_sales.pk}").content.decode()
    assert str(rep) in html
    # A rep sees only their own records; drilling into another subsidiary shows nothing.
    client.force_login(rep)
    html = client.get("/quality/").content.decode()
    assert bad.company.name in html and broken.company.name not in html
    html = client.get(f"/quality/?subsidiary={org.sub_b.pk}").content.decode()
    assert broken.company.name not in html and 'data-testid="records">0<' in html


def test_dashboard_in_english(world):
    _rep, _south, boss, *_ = world
    boss.preferred_language = "en"
    boss.save()
    client = Client()
    client.force_login(boss)
    html = client.get("/quality/", headers={"Accept-Language": "en"}).content.decode()
    assert "Completeness" in html and "Records most in need of work" in html


def test_assign_and_settings_pages(world, org):
    rep, south, boss, good, bad, broken = world
    client = Client()
    client.force_login(boss)
    r = client.post("/quality/tasks/assign/", {"limit": "1"})
    assert r.status_code == 302 and QualityTask.objects.count() == 1
    # Settings: the group default, then subsidiary B's own standard.
    html = client.get("/quality/settings/").content.decode()
    assert "统一社会信用代码" in html
    assert html.count("格式校验") == sum(1 for f in services.F.FIELDS if f.has_rule)
    data = {"unit": org.sub_b.pk, "min_completeness": "80", "min_validity": "100"}
    data |= {f"use_{k}": "off" for k in services.F.KEYS} | {"use_uscc": "required"}
    r = client.post("/quality/settings/", data)
    assert r.status_code == 302
    profile = QualityProfile.objects.get(business_unit=org.sub_b)
    assert profile.required == ["uscc"] and profile.min_completeness == 80
    # Bad input: a bar over 100 is refused, nothing changes.
    r = client.post("/quality/settings/", data | {"min_completeness": "120"})
    assert r.status_code == 200
    profile.refresh_from_db()
    assert profile.min_completeness == 80
    # No required field at all: the service's error shows on the page.
    r = client.post("/quality/settings/", data | {"use_uscc": "optional"})
    assert r.status_code == 200 and "至少选择一个必填字段" in r.content.decode()
    # Back to the group default.
    client.post("/quality/settings/", {"unit": org.sub_b.pk, "reset": "1"})
    assert not QualityProfile.objects.filter(business_unit=org.sub_b).exists()
    # A rep has no settings page.
    client.force_login(rep)
    assert client.get("/quality/settings/").status_code == 403
    assert client.post("/quality/refresh/").status_code == 403
