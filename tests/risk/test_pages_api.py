"""Risk pages and API: the account panel explains factors and history; the list; the policy
settings page; the re-score job."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.jobs.models import JobRun
from xinren.orgs.auth import issue_token
from xinren.risk.models import CreditPolicy, RiskAssessment
from xinren.risk.scoring import rescore

from .conftest import all_documents, list_hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(account):
    all_documents(account)
    rescore()
    list_hit(account, "confirmed", "经营异常名录")
    rescore()
    return account


def test_account_panel_explains_and_shows_history(scored, rep):
    page = Client()
    page.force_login(rep)
    html = page.get(f"/risk/accounts/{scored.pk}/").content.decode()
    assert 'data-code="list_hit_confirmed"' in html
    assert "已确认命中名单“经营异常名录”" in html
    assert html.count('data-testid="risk-change"') == 1
    assert "仅限预付款" in html  # the policy that now applies
    assert "工商登记状态与诉讼：尚无该企业的工商数据" in html  # no registry record for it
    listing = page.get("/risk/").content.decode()
    assert scored.company.name in listing
    assert scored.company.name not in page.get("/risk/?level=medium").content.decode()


def test_api_account_risk_and_list(scored, rep):
    client = ApiClient(issue_token(rep)[0])
    body = client.get(f"/risk/accounts/{scored.pk}").json()
    assert (body["level"], body["score"]) == ("high", 60)
    (factor,) = body["factors"]
    assert factor["code"] == "list_hit_confirmed"
    assert factor["label"] == "已确认命中名单“经营异常名录”"
    assert factor["evidence"]["list"] == "经营异常名录"
    assert [(h["old_level"], h["new_level"]) for h in body["history"]] == [("low", "high")]
    assert len(body["not_assessed"]) == 1  # registry and lawsuits: no registry record
    items = client.get("/risk/accounts", level="high").json()["items"]
    assert [i["account_id"] for i in items] == [scored.pk]
    assert client.get("/risk/accounts", level="low").json()["items"] == []
    bad = client.get("/risk/accounts", level="severe")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "level"


def test_unscored_account_panel(account, rep):
    page = Client()
    page.force_login(rep)
    assert (
        'data-testid="risk-unscored"' in page.get(f"/risk/accounts/{account.pk}/").content.decode()
    )
    body = ApiClient(issue_token(rep)[0]).get(f"/risk/accounts/{account.pk}").json()
    assert (body["level"], body["factors"]) == (None, [])


def test_policy_page_saves_all_levels_or_none(org):
    admin = factories.make_user(org.sub_a, "subsidiary_admin")
    rep = factories.make_user(org.a_sales, "sales_rep")
    page = Client()
    page.force_login(rep)
    assert page.get("/risk/policy/").status_code == 403
    page.force_login(admin)
    assert page.get("/risk/policy/").status_code == 200
    form = {
        "unit": org.sub_a.pk,
        "low-max_credit_days": "60",
        "low-credit_limit": "",
        "medium-max_credit_days": "20",
        "medium-credit_limit": "1000",
        "high-prepayment_only": "on",
        "high-max_credit_days": "",
        "high-credit_limit": "",
    }
    bad = page.post("/risk/policy/", {**form, "medium-max_credit_days": "999"})
    assert bad.status_code == 422
    assert "最长账期应在 0 到 365 天之间。" in bad.content.decode()
    assert not CreditPolicy.objects.exists()
    assert page.post("/risk/policy/", form).status_code == 302
    got = {p.level: (p.prepayment_only, p.max_credit_days) for p in CreditPolicy.objects.all()}
    assert got == {"low": (False, 60), "medium": (False, 20), "high": (True, None)}


def test_rescore_job_from_the_list_page(account, org):
    admin = factories.make_user(org.sub_a, "subsidiary_admin")
    page = Client()
    page.force_login(admin)
    answer = page.post("/risk/rescore/")
    assert answer.status_code == 200
    job = JobRun.objects.get(kind="risk_rescore")
    assert job.status == "done" and job.result["scored"] == 1
    assert RiskAssessment.objects.filter(account=account).exists()
    page.force_login(factories.make_user(org.a_sales, "sales_rep"))
    assert page.post("/risk/rescore/").status_code == 403


def test_risk_list_exports_levels_with_factors_explained(scored, rep, account, tmp_path):
    import csv
    import io

    from django.core.exceptions import ValidationError

    from xinren.quality import exporting

    client = Client()
    client.force_login(rep)
    page = client.get("/risk/?level=high").content.decode()
    assert 'data-testid="export-risk-xlsx"' in page and "/exports/risk.xlsx?level=high" in page
    body = b"".join(client.get("/exports/risk.csv?level=high").streaming_content)
    (row,) = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["档案编号"], row["风险等级"], row["风险分"]) == (scored.archive_no, "高", "60")
    assert row["风险因素"] == "已确认命中名单“经营异常名录” (+60)"
    assert exporting.prepare(rep, "risk", "csv", {"level": "low"}).count == 0
    with pytest.raises(ValidationError) as bad:
        exporting.prepare(rep, "risk", "csv", {"level": "severe"})
    assert list(bad.value.message_dict) == ["level"]
