"""The possible-duplicates panel in a real browser: typing a name on the New customer form
lists the candidates; an out-of-scope one shows its name and USCC only."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    other = factories.make_user(org.b_sales, "sales_rep", username="other")
    mine = factories.make_customer(rep, name="北京信达宏远科技有限公司", region_code="110101")
    theirs = factories.make_customer(other, name="信达宏远科技（深圳）有限公司")
    factories.make_customer(rep, name="信达宏远软件有限公司", region_code="110108")
    return {"mine": mine.company, "theirs": theirs.company}


def test_typing_a_name_lists_possible_duplicates(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/customers/new/")
    page.select_option("#id_region_code", "110101")
    page.fill("#id_name", "信达宏远科技有限公司")
    page.wait_for_selector("[data-testid=duplicate]")
    page.wait_for_function("document.querySelectorAll('[data-testid=duplicate]').length === 2")
    panel = page.inner_text("#duplicates")
    assert "北京信达宏远科技有限公司" in panel and world["theirs"].name in panel
    assert world["theirs"].uscc in panel and "不在您的数据范围内" in panel
    assert page.locator("[data-testid=open-account]").count() == 1
    first = page.locator("[data-testid=duplicate]").first.inner_text()
    assert "北京信达宏远科技有限公司" in first  # same score: the typed region first
    page.screenshot(path=str(ARTIFACTS / "customer-create-duplicates.png"), full_page=True)
    page.click("[data-testid=open-account]")
    page.wait_for_url(f"**/customers/{world['mine'].pk}/accounts/new/")
