"""The customer import in a real browser: upload an xlsx, correct one column's mapping and
save it as a template, check (nothing stored), import with the progress bar, see the result."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from tests.quality.test_imports import HEADER, xlsx_bytes

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from xinren.orgs.services import ensure_builtin_roles

    settings.MEDIA_ROOT = str(tmp_path / "media")
    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    existing = factories.make_customer(rep, name="宁波海川贸易有限公司").company
    return {"rep": rep, "existing": existing}


def test_upload_mapping_check_import(live_server, browser, world, tmp_path):
    from xinren.customers.models import Company
    from xinren.quality.models import ImportTemplate

    new_uscc = factories.valid_uscc()
    header = [*HEADER[:4], "开业时间", *HEADER[5:]]  # one header no synonym knows
    rows = [
        header,
        ["杭州云启信息科技有限公司", new_uscc, "张三", "500万", "2016-03-01", "330100",
         "0571-88886666", "李四", "13800138000", "采购经理", "rep", "企业客户", "线索", "展会", ""],
        ["宁波海川贸易有限公司（宁波）", "", "赵六", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    path = tmp_path / "客户名单.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/")
    page.click("[data-testid=nav-data]")  # the data-quality menu
    page.click("text=导入客户")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=mapping]")
    assert page.locator("select[data-header='客户名称']").input_value() == "name"
    assert page.locator("select[data-header='开业时间']").input_value() == ""
    page.select_option("select[data-header='开业时间']", "founded_on")
    page.fill("#template_name", "ERP 客户导出")
    page.screenshot(path=str(ARTIFACTS / "customer-import-mapping.png"), full_page=True)
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=import-summary]")
    summary = page.inner_text("[data-testid=import-summary]")
    assert "新建 1 家" in summary and "更新 1 家" in summary
    assert not Company.objects.filter(uscc=new_uscc).exists()  # a check stores nothing
    assert ImportTemplate.objects.get(name="ERP 客户导出").mapping["开业时间"] == "founded_on"
    page.click("[data-testid=import-now]")
    page.wait_for_selector(".xinren-job[data-status=done]")
    done = page.inner_text("[data-testid=import-job]")
    assert "新建 1 家" in done and "更新 1 家" in done
    page.screenshot(path=str(ARTIFACTS / "customer-import-done.png"), full_page=True)
    created = Company.objects.get(uscc=new_uscc)
    assert created.founded_on.isoformat() == "2016-03-01"
    world["existing"].refresh_from_db()
    assert world["existing"].legal_rep == "赵六"
