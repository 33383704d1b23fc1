"""Real browser (Debian chromium via Playwright): the contracts & payments page with its chart,
record a receipt, in Chinese and English. Screenshots go to test-artifacts/ for a human."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

from .conftest import make_milestone, make_order, pay

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles
    from xinren.sales import services

    ensure_builtin_roles()
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(rep, name="杭州云启信息科技有限公司")
    services.create_contract(
        actor=rep, account=account,
        data={"number": "HT-2026-007", "title": "年度云服务框架合同", "signed_on": "2026-01-05",
              "start_on": "2026-01-10", "end_on": "2026-12-31", "amount": "360000",
              "credit_days": 60, "renewal_on": "2026-12-01"},
    )  # fmt: skip
    today = dt.date.today()
    for i in range(10):
        day = today - dt.timedelta(days=30 * (10 - i))
        order = make_order(rep, account, f"SO{day:%Y%m%d}", day, f"{12000 + i * 1500}.00")
        m = make_milestone(
            rep, account, day + dt.timedelta(days=30), order.amount, order=order, description="货款"
        )
        if i < 6:
            paid_on = min(today, day + dt.timedelta(days=25 if i % 3 else 50))
            pay(rep, m, paid_on, order.amount, f"BK{i:04d}")
        elif i == 6:
            pay(rep, m, today - dt.timedelta(days=5), "5000.00", "BK0006")
    return {"rep": rep, "account": account}


def test_contracts_and_payments_page(live_server, browser, world):
    account = world["account"]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/customers/{account.company_id}/")
    page.click("[data-testid=account-sales]")
    page.wait_for_selector("[data-testid=figures]")
    page.wait_for_selector("#due-chart canvas")
    assert page.locator("[data-testid=milestone]").count() == 10
    assert page.locator("[data-testid=milestone][data-status=overdue]").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "sales-account-zh.png"), full_page=True)
    # Record a receipt through the form.
    page.click("text=登记到账")
    page.fill("#id_r-amount", "1.00")
    page.fill("#id_r-reference", "BK-BROWSER")
    page.click("[data-testid=receipt-form] button")
    page.wait_for_selector("text=到账已登记。")
    assert "BK-BROWSER" in page.inner_text("[data-testid=receipts]")
    # English.
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Contracts & payments")
    page.screenshot(path=str(ARTIFACTS / "sales-account-en.png"), full_page=True)
    # Phone width.
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    sign_in(phone, live_server.url, "rep")
    phone.goto(f"{live_server.url}/accounts/{account.pk}/sales/")
    phone.wait_for_selector("#due-chart canvas")
    phone.screenshot(path=str(ARTIFACTS / "sales-account-phone.png"), full_page=True)
