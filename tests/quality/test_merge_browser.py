"""The merge page in a real browser: two records side by side, the proposal and its reasons,
swapping which is kept, merging, and undoing from the result page."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from xinren.customers.services import create_contact
    from xinren.orgs.services import ensure_builtin_roles

    settings.MEDIA_ROOT = tmp_path
    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    head = factories.make_user(org.a_sales, "department_head", username="head", full_name="周经理")
    kept = factories.make_customer(
        head,
        name="杭州云启信息科技有限公司",
        legal_rep="陈立",
        registered_address="杭州市西湖区文三路1号",
    )
    dup = factories.make_customer(
        head,
        name="杭州云启信息科技有限公司",
        phone="0571-88886666",
        main_business="企业软件开发",
        registered_address="杭州市西湖区文三路1号5楼",
    )
    create_contact(actor=head, company=dup.company, data={"name": "王采购"})
    return {"kept": kept, "dup": dup}


def test_merge_page_merge_and_undo(live_server, browser, world):
    kept, dup = world["kept"].company, world["dup"].company
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1100})
    page.on("dialog", lambda d: d.accept())
    sign_in(page, live_server.url, "head")
    page.goto(f"{live_server.url}/quality/merge/{kept.pk}/{dup.pk}/")
    phone = page.locator("[data-testid=field-phone]")
    assert "非空" in phone.inner_text()
    assert page.is_checked("#c-phone-o")  # the filled value is proposed
    assert "较新" in page.inner_text("[data-testid=field-registered_address]")
    assert "联系人" in page.inner_text("[data-testid=move-counts]")
    assert world["dup"].archive_no in page.inner_text("[data-testid=combined]")
    page.screenshot(path=str(ARTIFACTS / "quality-merge.png"), full_page=True)
    # Swap: the duplicate becomes the record kept.
    page.click("[data-testid=swap]")
    page.wait_for_url(f"**/quality/merge/{dup.pk}/{kept.pk}/")
    assert page.is_checked("#c-phone-s")
    page.click("[data-testid=swap]")
    page.wait_for_url(f"**/quality/merge/{kept.pk}/{dup.pk}/")
    page.check("#c-registered_address-s")  # keep the survivor's address, by hand
    page.click("[data-testid=confirm-merge]")
    page.wait_for_selector("[data-testid=undo-merge]")
    assert "杭州云启信息科技有限公司" in page.inner_text("[data-testid=merge-title]")
    assert "联系人" in page.inner_text("[data-testid=moved]")
    page.screenshot(path=str(ARTIFACTS / "quality-merge-result.png"), full_page=True)
    page.click("[data-testid=survivor-link]")
    page.wait_for_url(f"**/customers/{kept.pk}/")
    body = page.inner_text("body")
    assert "王采购" in body and "0571-88886666" in body and "文三路1号5楼" not in body
    page.go_back()
    page.click("[data-testid=undo-merge]")
    page.wait_for_url(f"**/customers/{dup.pk}/")
    assert "已撤销合并" in page.inner_text("body")
    assert "王采购" in page.inner_text("body")
