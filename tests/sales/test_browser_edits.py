"""Real browser: walk to older orders with the "older" link, edit an order and a milestone
(amount locked once paid), in Chinese and English. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

from .conftest import make_milestone, make_order, pay

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db, monkeypatch):
    from xinren.orgs.services import ensure_builtin_roles
    from xinren.sales import views

    monkeypatch.setattr(views, "LIST_LIMIT", 4)  # a few rows make several pages
    ensure_builtin_roles()
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(rep, name="杭州云启信息科技有限公司")
    today = dt.date.today()
    milestones = []
    for i in range(10):
        day = today - dt.timedelta(days=20 * (10 - i))
        order = make_order(rep, account, f"SO{day:%Y%m%d}", day, f"{1000 + i * 100}.00")
        milestones.append(
            make_milestone(
                rep,
                account,
                day + dt.timedelta(days=30),
                order.amount,
                order=order,
                description=f"第{i + 1}期货款",
            )  # fmt: skip
        )
    pay(rep, milestones[0], milestones[0].due_on, "300.00", "BK-1")
    return {"rep": rep, "account": account, "paid": milestones[0], "open": milestones[-1]}


def test_older_rows_and_edits(live_server, browser, world):
    account = world["account"]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1100})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/accounts/{account.pk}/sales/")
    orders = page.locator('[data-testid="order"]')
    first = orders.all_inner_texts()
    assert len(first) == 4
    page.locator('#orders [data-testid="older"]').click()
    page.wait_for_load_state()
    second = page.locator('[data-testid="order"]').all_inner_texts()
    assert len(second) == 4 and not set(first) & set(second)
    assert page.locator('#orders [data-testid="newest"]').is_visible()
    page.locator("#orders").screenshot(path=str(ARTIFACTS / "sales-orders-older.png"))
    page.screenshot(path=str(ARTIFACTS / "sales-account-older-zh.png"), full_page=True)

    # edit an order: no amount field; conflict when someone saved meanwhile
    page.locator('[data-testid="order-edit"]').first.click()
    page.wait_for_selector('[data-testid="record-form"]')
    assert page.locator('input[name="amount"]').count() == 0
    page.fill("#id_notes", "客户要求分批发货")
    page.screenshot(path=str(ARTIFACTS / "sales-order-edit-zh.png"), full_page=True)
    page.click("text=保存")
    page.wait_for_url(f"**/accounts/{account.pk}/sales/")
    assert "订单已保存" in page.content()

    # a paid milestone: amount locked, in English
    en = browser.new_page(locale="en-US", viewport={"width": 390, "height": 900})
    sign_in(en, live_server.url, "rep")
    en.goto(f"{live_server.url}/milestones/{world['paid'].pk}/edit/")
    assert en.locator('input[name="amount"]').is_disabled()
    assert "reverse the receipts first" in en.content()
    en.fill("#id_due_on", (world["paid"].due_on + dt.timedelta(days=7)).isoformat())
    en.screenshot(path=str(ARTIFACTS / "sales-milestone-edit-en-phone.png"), full_page=True)
    en.click("text=Save")
    en.wait_for_url(f"**/accounts/{account.pk}/sales/")

    # an open milestone: bad amount is an inline error; the amount can change
    page.goto(f"{live_server.url}/milestones/{world['open'].pk}/edit/")
    page.fill("#id_amount", "12.345")
    page.click("text=保存")
    page.wait_for_selector('[data-field="amount"]')
    page.screenshot(path=str(ARTIFACTS / "sales-milestone-edit-error-zh.png"), full_page=True)
    page.fill("#id_amount", "1500.00")
    page.click("text=保存")
    page.wait_for_url(f"**/accounts/{account.pk}/sales/")
    world["open"].refresh_from_db()
    assert str(world["open"].amount) == "1500.00"
