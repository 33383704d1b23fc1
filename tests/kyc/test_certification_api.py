"""The certification API: the whole flow, four eyes through the API, rights, and errors naming
the field and the rule with nothing stored."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.kyc.models import Application, ApplicationStep
from xinren.orgs.auth import issue_token

from .conftest import register
from .test_certification import DOCS, add_doc

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


@pytest.fixture
def people(org):
    return {
        "rep": factories.make_user(org.a_sales, "sales_rep", username="rep"),
        "head": factories.make_user(org.a_sales, "department_head", username="head"),
        "risk": factories.make_user(org.a_sales, "risk_officer", username="risk"),
    }


@pytest.fixture
def account(people):
    account = factories.make_customer(people["rep"], name="接口认证有限公司")
    for doc_type in DOCS:
        add_doc(account.company, doc_type)
    register(account.company)  # 工商登记: 存续, no lawsuits
    return account


def errors_of(response) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


def test_flow_through_the_api(people, account):
    rep, risk = api(people["rep"]), api(people["risk"])
    created = rep.post("/kyc/applications", {"account_id": account.pk})
    assert created.status_code == 201, created.content
    app_id = created.json()["id"]
    bad = rep.patch(f"/kyc/applications/{app_id}", {"licence_uscc": "123"})
    assert bad.status_code == 422 and errors_of(bad) == [("licence_uscc", "length")]
    ok = rep.patch(f"/kyc/applications/{app_id}", {"licence_uscc": account.company.uscc})
    assert ok.json()["licence_uscc"] == account.company.uscc
    submitted = rep.post(f"/kyc/applications/{app_id}/submit", {"note": "资料已齐"})
    checks = {c["code"]: c["result"] for c in submitted.json()["checks"]}
    assert checks == {"documents": "pass", "uscc_match": "pass", "watch_lists": "pass",
                      "references": "pending", "registry": "pass",
                      "lawsuits": "pass"}  # fmt: skip
    assert risk.post(f"/kyc/applications/{app_id}/review", {}).status_code == 200
    for name in ("甲", "乙"):
        answer = rep.post(
            f"/kyc/applications/{app_id}/references",
            {"name": name, "contact": "1380000", "outcome": "positive",
             "contacted_on": timezone.localdate().isoformat()},
        )  # fmt: skip
        assert answer.status_code == 201
    rerun = risk.post(f"/kyc/applications/{app_id}/checks")
    assert {c["result"] for c in rerun.json()["checks"]} == {"pass"}
    decided = risk.post(f"/kyc/applications/{app_id}/decision", {"outcome": "approved"})
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["status"] == "approved" and body["valid_until"]
    assert [s["to_status"] for s in body["steps"]] == ["draft", "submitted", "in_review",
                                                       "approved"]  # fmt: skip
    listed = rep.get("/kyc/applications", status="approved").json()["items"]
    assert [a["id"] for a in listed] == [app_id]
    assert rep.get("/kyc/applications", status="draft").json()["items"] == []


def test_four_eyes_and_rights_through_the_api(people, account):
    head = api(people["head"])
    app_id = head.post("/kyc/applications", {"account_id": account.pk}).json()["id"]
    head.post(f"/kyc/applications/{app_id}/submit", {})
    assert head.post(f"/kyc/applications/{app_id}/review", {}).status_code == 200
    own = head.post(f"/kyc/applications/{app_id}/decision", {"outcome": "rejected", "reason": "x"})
    assert own.status_code == 422 and errors_of(own) == [("decided_by", "four_eyes")]
    no_right = api(people["rep"]).post(
        f"/kyc/applications/{app_id}/decision", {"outcome": "rejected", "reason": "x"}
    )
    assert no_right.status_code == 403
    no_reason = api(people["risk"]).post(
        f"/kyc/applications/{app_id}/decision", {"outcome": "rejected"}
    )
    assert no_reason.status_code == 422 and errors_of(no_reason) == [("reason", "required")]
    wrong = api(people["risk"]).post(f"/kyc/applications/{app_id}/decision", {"outcome": "ok"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "outcome"
    app = Application.objects.get(pk=app_id)
    assert app.status == "in_review" and app.decided_by is None
    assert ApplicationStep.objects.filter(application=app).count() == 3
    early = api(people["risk"]).post(f"/kyc/applications/{app_id}/submit", {})
    assert early.status_code == 403  # risk officers have no edit right
    back = api(people["risk"]).post(f"/kyc/applications/{app_id}/return", {})
    assert back.status_code == 422 and errors_of(back) == [("note", "required")]
    assert api(people["rep"]).get("/kyc/applications/999999").status_code == 404


def test_errors_in_english(people, account):
    from django.test import Client

    head = api(people["head"])
    app_id = head.post("/kyc/applications", {"account_id": account.pk}).json()["id"]
    head.post(f"/kyc/applications/{app_id}/submit", {})
    head.post(f"/kyc/applications/{app_id}/review", {})
    answer = Client().post(
        f"/api/v1/kyc/applications/{app_id}/decision", {"outcome": "approved"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(people['head'])[0]}",
                 "Accept-Language": "en"},
    )  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"] == (
        "Four eyes: the user who prepared or submitted the application cannot decide it."
    )
