"""Real browser (Debian chromium driven by Playwright) against a live server: sign in, search
as you type, inline validation, create a customer, switch language, phone width.

Screenshots land in ``test-artifacts/`` for a human to look at. A browser is never
downloaded: without Debian's chromium these tests are skipped with a message.
"""

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
    admin = factories.make_user(org.hq, "group_admin", username="admin", full_name="王管理")
    for i, (name, region) in enumerate(
        [
            ("成都锦江物流有限公司", "510100"),
            ("杭州云启信息科技有限公司", "330100"),
            ("深圳前海微众贸易有限公司", "440300"),
        ]
    ):
        account = factories.make_customer(
            rep, name=name, region_code=region, phone="0755-8888666" + str(i)
        )
        from xinren.customers import services

        services.create_contact(
            actor=rep,
            company=account.company,
            data={
                "name": f"张经理{i}",
                "work_phone": f"1380013800{i}",
                "decision_role": "decision_maker",
            },
        )
    return {"org": org, "rep": rep, "admin": admin}


def test_search_as_you_type_and_open_the_360_page(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "rep")
    assert page.locator("[data-testid=customer-table] tbody tr").count() == 3
    page.fill("#id_q", "jj")  # pinyin initials of 锦江
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=customer-table] tbody tr').length === 1"
    )
    assert "成都锦江物流有限公司" in page.inner_text("#customer-results")
    assert "q=jj" in page.url  # the search is in the address, so it can be shared and reloaded
    page.screenshot(path=str(ARTIFACTS / "customer-list-search.png"), full_page=True)
    page.click("text=成都锦江物流有限公司")
    page.wait_for_selector("[data-testid=company-name]")
    assert page.locator("[data-testid=contact]").count() == 1
    assert page.locator("[data-testid=account]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "customer-360.png"), full_page=True)


def test_inline_validation_then_create(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "rep")
    page.click("text=新建客户")
    page.fill("#id_name", "南京紫金软件有限公司")
    page.fill("#id_uscc", "91110000802100433A")
    page.keyboard.press("Tab")  # change event → htmx asks the server
    error = page.wait_for_selector("#err-uscc .invalid-feedback")
    assert "校验码" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "customer-create-inline-error.png"), full_page=True)
    page.fill("#id_uscc", "91110000 802100433b")  # spaces and lower case are normalised
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('#err-uscc').innerText.trim() === ''")
    page.fill("#id_phone", "02587654321")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=company-name]")
    assert page.inner_text("[data-testid=company-name]") == "南京紫金软件有限公司"
    assert "025-87654321" in page.inner_text("[data-testid=company-phone]")
    assert "B2B-" in page.inner_text("[data-testid=account]")
    # the creation is in the change history, with who did it
    history = page.inner_text("[data-testid=history]")
    assert "南京紫金软件有限公司" in history and "李销售" in history
    # and the same page in English
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Change history")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(ARTIFACTS / "customer-created-en.png"), full_page=True)


def test_english_and_phone_width(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    sign_in(page, live_server.url, "admin")
    page.screenshot(path=str(ARTIFACTS / "phone-customer-list.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a phone screen"
    page.click(".navbar-toggler")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=New customer")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{live_server.url}/admin/org/")
    assert page.locator("[data-testid=org-tree] tbody tr").count() >= 5
    page.screenshot(path=str(ARTIFACTS / "phone-org-tree-en.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/roles/")
    page.screenshot(path=str(ARTIFACTS / "roles-en.png"), full_page=True)
