"""The export buttons in a real browser: search the customer list, click "导出 Excel" and
the downloaded workbook holds exactly the customers the page shows; the contracts list of an
account's 合同与收款 page exports its contracts as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from xinren.orgs.services import ensure_builtin_roles
    from xinren.sales.models import Contract

    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    other = factories.make_user(org.b_sales, "sales_rep", username="other")
    account = factories.make_customer(rep, name="北京导出测试科技有限公司")
    factories.make_customer(rep, name="=上海公式注入贸易有限公司")
    factories.make_customer(other, name="北京别人家的有限公司")
    Contract.objects.create(
        account=account, number="HT-浏览器-1", title="年度维保合同", signed_on=dt.date(2026, 1, 5),
        start_on=dt.date(2026, 1, 5), end_on=dt.date(2026, 12, 31), amount=Decimal("88000"),
    )  # fmt: skip
    return {"account": account}


def test_export_buttons_download_the_filtered_list(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", accept_downloads=True)
    sign_in(page, live_server.url, "rep")
    page.fill("#id_q", "北京")
    page.wait_for_url("**/customers/?q=*")
    page.wait_for_function(
        "document.querySelector('[data-testid=export-customers-xlsx]').href.includes('q=')"
    )
    page.screenshot(path=str(ARTIFACTS / "customer-list-export.png"))
    with page.expect_download() as info:
        page.click("[data-testid=export-customers-xlsx]")
    download = info.value
    assert download.suggested_filename.startswith("xinren-customers-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as f:  # Playwright names the file by a uuid
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["北京导出测试科技有限公司"]

    page.fill("#id_q", "")
    page.wait_for_function(
        "!document.querySelector('[data-testid=export-customers-csv]').href.includes('q=%')"
    )
    with page.expect_download() as info:
        page.click("[data-testid=export-customers-csv]")
    with open(info.value.path(), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert sorted(r[0] for r in rows[1:]) == [
        "'=上海公式注入贸易有限公司",
        "北京导出测试科技有限公司",
    ]

    page.goto(f"{live_server.url}/accounts/{world['account'].pk}/sales/")
    with page.expect_download() as info:
        page.click("[data-testid=export-contracts-csv]")
    with open(info.value.path(), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][0] == "HT-浏览器-1" and "北京导出测试科技有限公司" in rows[1]
