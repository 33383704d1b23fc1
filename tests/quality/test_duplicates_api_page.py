"""``GET /api/v1/companies/duplicates`` and the New customer form's duplicates panel."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.orgs.auth import issue_token


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def test_api_lists_candidates(rep):
    account = factories.make_customer(rep, name="上海信达宏远科技有限公司", region_code="110101")
    res = _api(rep).get("/companies/duplicates", name="信达宏远科技（北京）有限公司")
    assert res.status_code == 200
    [c] = res.json()["candidates"]
    assert c["company_id"] == account.company_id and c["visible"] and not c["exact"]
    assert c["score"] == 90 and [r["code"] for r in c["reasons"]] == ["same_name"]
    exact = _api(rep).get("/companies/duplicates", uscc=account.company.uscc).json()
    assert exact["candidates"][0]["exact"] and exact["candidates"][0]["score"] == 100


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({}, "name", "required"),
        ({"uscc": "ABC!"}, "uscc", "format"),
        ({"phone": "abc"}, "phone", "format"),
        ({"name": "华为", "region_code": "12"}, "region_code", "region_code"),
        ({"name": "华为", "limit": 99}, "limit", "range"),
        ({"name": "华为", "limit": "x"}, "limit", "int_parsing"),
    ],
)
def test_api_bad_input_is_422_naming_field_and_rule(rep, params, field, rule):
    res = _api(rep).get("/companies/duplicates", **params)
    assert res.status_code == 422
    error = res.json()["errors"][0]
    assert (error["field"], error["rule"]) == (field, rule) and error["message"]


def test_api_english_messages(rep):
    res = _api(rep).client.get(
        "/api/v1/companies/duplicates",
        {"phone": "abc"},
        headers={"Authorization": f"Bearer {issue_token(rep)[0]}", "Accept-Language": "en"},
    )
    assert res.status_code == 422 and "digits" in res.json()["errors"][0]["message"]


def test_api_needs_authentication(db):
    res = ApiClient().get("/companies/duplicates", name="华为")
    assert res.status_code == 401


def test_panel_partial_renders_candidates(rep):
    account = factories.make_customer(rep, name="恒泰物流有限公司")
    client = Client()
    client.force_login(rep)
    html = client.post(
        "/customers/duplicates/", {"name": "恒泰物流（上海）有限公司"}
    ).content.decode()
    assert "恒泰物流有限公司" in html and 'data-testid="duplicate"' in html
    assert f"/customers/{account.company_id}/accounts/new/" in html
    assert "90" in html
    empty = client.post("/customers/duplicates/", {"name": ""}).content.decode()
    assert 'data-testid="duplicate"' not in empty
    bad = client.post("/customers/duplicates/", {"name": "x", "phone": "abc"}).content.decode()
    assert 'data-testid="duplicates-error"' in bad


def test_new_customer_form_has_the_panel(rep):
    client = Client()
    client.force_login(rep)
    html = client.get("/customers/new/").content.decode()
    assert 'id="duplicates"' in html and "/customers/duplicates/" in html
    edit_html = client.get(
        f"/customers/{factories.make_customer(rep).company_id}/edit/"
    ).content.decode()
    assert 'id="duplicates"' not in edit_html
