"""Risk in a real browser: the risk officer opens the risk list from the menu, then the
account's panel with its explained factors and history."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.risk.scoring import rescore

from .conftest import add_document, list_hit, milestones

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    factories.make_user(org.sub_a, "risk_officer", username="risk", full_name="王风控")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    account = factories.make_customer(rep, name="杭州云启信息科技有限公司")
    add_document(account, "business_licence")
    rescore()
    milestones(rep, account, 2, 3, days_ago=20)
    list_hit(account, "new", "失信被执行人名单")
    from .test_sql_scoring import registry

    registry(account, "revoked", lawsuits=2)
    rescore()
    return account


def test_risk_list_and_panel(live_server, browser, world):
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    sign_in(page, live_server.url, "risk")
    page.click("[data-testid=nav-kyc]")  # the certification and risk menu
    page.click("[data-testid=nav-risk]")
    page.wait_for_selector("[data-testid=risk-row]")
    assert "杭州云启信息科技有限公司" in page.inner_text("[data-testid=risk-list]")
    page.screenshot(path=str(ARTIFACTS / "risk-list.png"))
    with page.expect_download() as info:
        page.click("[data-testid=export-risk-xlsx]")
    with open(info.value.path(), "rb") as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    (row,) = rows
    assert dict(zip(header, row, strict=True))["风险等级"] == "高"
    assert "命中名单“失信被执行人名单”，待核实" in dict(zip(header, row, strict=True))["风险因素"]
    page.click("[data-testid=risk-row] a")
    page.wait_for_selector("[data-testid=risk-panel]")
    panel = page.inner_text("[data-testid=risk-panel]")
    assert "近六个月付款逾期率 40.0%（2/5 笔到期款项逾期），超过 20%" in panel
    assert "命中名单“失信被执行人名单”，待核实" in panel
    assert "缺少行业资质" in panel
    assert "工商登记状态为“吊销”（2026-11-01 工商数据）" in panel
    assert "涉诉案件 2 件（2026-11-01 工商数据）" in panel
    assert "尚无该企业的工商数据" not in panel
    assert page.locator("[data-testid=risk-change]").count() == 2  # first score 15, then 100
    assert "仅限预付款" in page.inner_text("[data-testid=risk-policy]")
    page.screenshot(path=str(ARTIFACTS / "risk-panel.png"), full_page=True)


def test_certificate_conditions_on_the_panel_and_the_required_switch(live_server, browser, world):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from xinren.kyc.models import Application
    from xinren.risk.policy import certificate_required

    account = world
    cert = Application.objects.create(
        account=account,
        status="conditional",
        reason="成立不满两年",
        decided_at=timezone.now(),
        valid_until=timezone.localdate() + dt.timedelta(days=200),
        prepayment_required=True,
        credit_limit=Decimal("200000"),
        credit_days=30,
    )
    factories.make_user(world.business_unit, "subsidiary_admin", username="subadmin")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "subadmin")
    page.goto(f"{live_server.url}/risk/policy/?unit={account.business_unit_id}")
    page.check("[data-testid=certificate-required]")
    page.click("[data-testid=policy-form] button.btn-primary")
    page.wait_for_selector("[data-testid=certificate-required]:checked")
    assert certificate_required(account.business_unit_id)
    page.screenshot(path=str(ARTIFACTS / "risk-policy-certificate-required.png"), full_page=True)
    page.goto(f"{live_server.url}/risk/accounts/{account.pk}/")
    card = page.inner_text("[data-testid=risk-certificate]")
    assert f"有条件通过 #{cert.pk}" in card
    assert "须预付款；信用天数最长 30 天；信用额度 200000.00 元" in card
    assert "本公司要求签约前须通过认证：已满足。" in card
    page.screenshot(path=str(ARTIFACTS / "risk-panel-certificate.png"), full_page=True)
