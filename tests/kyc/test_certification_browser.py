"""Certification in a real browser: the review queue shows the missing document, and a risk
officer decides the application on its page (conditional, with reason and prepayment)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.kyc import certification as cert
from xinren.kyc.models import Application

from .test_certification import add_doc

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    factories.make_user(org.sub_a, "risk_officer", username="risk", full_name="王风控")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(rep, name="杭州云帆贸易有限公司")
    for doc_type in ("business_licence", "industry_qualification", "legal_rep_id"):
        add_doc(account.company, doc_type)
    app = cert.open_application(actor=rep, account_id=account.pk, licence_uscc=account.company.uscc)
    cert.submit(actor=rep, application_id=app.pk, note="资料已上传")
    return app


def test_queue_and_conditional_decision(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(page, live_server.url, "risk")
    page.goto(f"{live_server.url}/kyc/applications/")
    assert "缺少：经营场所证明" in page.inner_text("[data-testid=document-problems]")
    assert page.is_visible("[data-testid=export-applications-xlsx]")
    page.screenshot(path=str(ARTIFACTS / "kyc-queue.png"))
    page.click("[data-testid=application-row] a")
    page.click("[data-testid=start-review]")
    page.wait_for_selector("[data-testid=decision-form]")
    page.select_option("[name=d-outcome]", "conditional")
    page.click("[data-testid=decide]")  # no reason yet: refused, the form says why
    page.wait_for_selector("text=有条件通过或拒绝时必须写明理由")
    page.fill("[name=d-reason]", "缺经营场所证明，先款后货")
    page.check("[name=d-prepayment_required]")
    page.fill("[name=d-credit_days]", "0")
    page.screenshot(path=str(ARTIFACTS / "kyc-application.png"), full_page=True)
    page.click("[data-testid=decide]")
    page.wait_for_selector("[data-testid=decision-result]")
    assert "有条件通过" in page.inner_text("[data-testid=application-status]")
    app = Application.objects.get(pk=world.pk)
    assert (app.status, app.prepayment_required, app.credit_days) == ("conditional", True, 0)
    assert app.reason == "缺经营场所证明，先款后货"
