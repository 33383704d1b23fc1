"""Certification pages: the queue at a glance, the application page's steps and decision form,
the standards page, and the company panel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from xinren.customers.models import Document
from xinren.kyc import certification as cert
from xinren.kyc.models import Application, CertificationStandard

from .conftest import register
from .test_certification import DOCS, add_doc

pytestmark = pytest.mark.django_db


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(org):
    return {
        "rep": factories.make_user(org.a_sales, "sales_rep", username="rep"),
        "risk": factories.make_user(org.a_sales, "risk_officer", username="risk"),
        "admin": factories.make_user(org.hq, "group_admin", username="gadmin"),
    }


@pytest.fixture
def account(people):
    account = factories.make_customer(people["rep"], name="页面认证有限公司")
    for doc_type in DOCS:
        add_doc(account.company, doc_type)
    register(account.company)  # 工商登记: 存续, no lawsuits
    return account


def test_queue_shows_document_problems_and_failed_checks(people, account):
    Document.objects.filter(doc_type="premises_proof").delete()
    rep = page(people["rep"])
    opened = rep.post("/kyc/applications/new/", {"account": account.pk})
    app = Application.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/kyc/applications/{app.pk}/"
    assert rep.post(f"/kyc/applications/{app.pk}/", {"action": "submit"}).status_code == 302
    text = rep.get("/kyc/applications/").content.decode()
    assert "页面认证有限公司" in text
    assert "缺少：经营场所证明" in text
    assert 'data-testid="failed-check">证照齐全且在有效期内' in text
    assert "页面认证有限公司" not in rep.get("/kyc/applications/?status=approved").content.decode()


def test_application_page_flow_and_four_eyes(people, account):
    rep, risk = page(people["rep"]), page(people["risk"])
    app = cert.open_application(
        actor=people["rep"], account_id=account.pk, licence_uscc=account.company.uscc
    )
    url = f"/kyc/applications/{app.pk}/"
    rep.post(url, {"action": "submit", "note": "请审核"})
    risk.post(url, {"action": "review"})
    # the preparer has no approve right here; a risk officer sees the decision form
    assert 'data-testid="decision-form"' not in rep.get(url).content.decode()
    assert 'data-testid="decision-form"' in risk.get(url).content.decode()
    refused = risk.post(url, {"action": "decide", "d-outcome": "rejected", "d-reason": ""})
    assert refused.status_code == 422
    assert "有条件通过或拒绝时必须写明理由" in refused.content.decode()
    for name in ("甲", "乙"):
        answer = rep.post(url, {"action": "reference", "r-name": name, "r-contact": "138",
                                "r-contacted_on": timezone.localdate().isoformat(),
                                "r-outcome": "positive"})  # fmt: skip
        assert answer.status_code == 302
    done = risk.post(url, {"action": "decide", "d-outcome": "approved"})
    assert done.status_code == 302
    text = rep.get(url).content.decode()
    assert 'data-testid="decision-result"' in text and "请审核" in text
    app.refresh_from_db()
    assert app.status == "approved"
    panel = rep.get(f"/customers/{account.company_id}/list-hits/").content.decode()
    assert f'href="/kyc/applications/{app.pk}/"' in panel


def test_four_eyes_notice_for_the_preparer_who_may_approve(org, account, people):
    head = factories.make_user(org.a_sales, "department_head", username="head")
    app = cert.open_application(actor=head, account_id=account.pk)
    cert.submit(actor=head, application_id=app.pk)
    cert.start_review(actor=head, application_id=app.pk)
    text = page(head).get(f"/kyc/applications/{app.pk}/").content.decode()
    assert 'data-testid="four-eyes"' in text and 'data-testid="decision-form"' not in text


def test_standards_page(people, org):
    assert page(people["rep"]).get("/kyc/standards/").status_code == 403
    admin = page(people["admin"])
    assert "三证一照" in admin.get("/kyc/standards/").content.decode()
    bad = admin.post("/kyc/standards/", {"industry_code": "C-1", "expiry_margin_days": 30,
                                         "validity_days": 365})  # fmt: skip
    assert bad.status_code == 422 and "GB/T 4754" in bad.content.decode()
    ok = admin.post(
        "/kyc/standards/",
        {"business_unit": org.sub_a.pk, "industry_code": "c", "required_documents": ["business_licence"],
         "required_checks": ["documents", "watch_lists"], "expiry_margin_days": 60,
         "validity_days": 180},
    )  # fmt: skip
    assert ok.status_code == 302
    standard = CertificationStandard.objects.get()
    assert (standard.business_unit, standard.industry_code, standard.validity_days) == (
        org.sub_a, "C", 180,
    )  # fmt: skip
    assert standard.required_checks == ["documents", "watch_lists"]


def test_queue_exports_checks_problems_and_the_decision(people, account):
    import csv
    import io

    from django.core.exceptions import ValidationError

    from xinren.quality import exporting

    Document.objects.filter(doc_type="premises_proof").delete()
    app = cert.open_application(
        actor=people["rep"], account_id=account.pk, licence_uscc=account.company.uscc
    )
    cert.submit(actor=people["rep"], application_id=app.pk)
    cert.start_review(actor=people["risk"], application_id=app.pk)
    cert.decide(
        actor=people["risk"], application_id=app.pk, outcome="conditional", reason="证照未齐",
        prepayment_required=True, credit_days=30,
    )  # fmt: skip
    risk = page(people["risk"])
    queue = risk.get("/kyc/applications/?status=conditional").content.decode()
    assert "/exports/applications.csv?status=conditional" in queue
    body = b"".join(risk.get("/exports/applications.csv?status=conditional").streaming_content)
    (row,) = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["申请编号"], row["档案编号"], row["状态"]) == (
        str(app.pk),
        account.archive_no,
        "有条件通过",
    )
    assert "证照齐全且在有效期内" in row["未通过的核查"]
    assert "推荐人核实" in row["待完成的核查"]
    assert "缺少：经营场所证明" in row["证照问题"]
    assert (row["审批理由"], row["须预付款"], row["信用天数"]) == ("证照未齐", "是", "30")
    assert exporting.prepare(people["risk"], "applications", "csv", {"status": "draft"}).count == 0
    with pytest.raises(ValidationError) as bad:
        exporting.prepare(people["risk"], "applications", "csv", {"status": "done"})
    assert list(bad.value.message_dict) == ["status"]
