"""The registry in a real browser: an administrator imports a GBK snapshot on 工商登记 and
looks a company up; the application page shows the registry next to the master data with
the differences marked, and the two checks with their evidence."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.kyc import certification as cert
from xinren.kyc.models import RegistryRecord

from .conftest import csv_bytes
from .test_registry_import import HEADER, row

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    factories.make_user(org.hq, "group_admin", username="admin", full_name="赵管理")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(
        rep,
        name="杭州云帆贸易有限公司",
        legal_rep="张三",
        registered_address="杭州市西湖区文三路 1 号",
    )
    app = cert.open_application(actor=rep, account_id=account.pk, licence_uscc=account.company.uscc)
    return app


def test_import_lookup_and_application_side_by_side(live_server, browser, world, tmp_path):
    company = world.account.company
    snapshot = tmp_path / "工商登记.csv"
    snapshot.write_bytes(csv_bytes([
        HEADER,
        row("云帆贸易（杭州）有限公司", company.uscc, rep="王五", lawsuits="4",
            address="杭州市西湖区文三路 1 号"),
        row("宁波明远科技有限公司", factories.valid_uscc(), status="注销", capital="300万"),
    ], encoding="gbk"))  # fmt: skip
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "admin")
    page.click("[data-testid=nav-kyc]")
    page.click("[data-testid=nav-registry]")
    page.fill("#id_source", "国家企业信用信息公示系统")
    page.fill("#id_as_of", "2026-10-01")
    page.set_input_files("#id_file", str(snapshot))
    page.click("[data-testid=registry-import]")
    page.wait_for_selector("[data-testid=registry-import-result]")
    assert "新增 2 家" in page.inner_text("[data-testid=registry-import-result]")
    assert RegistryRecord.objects.count() == 2
    page.fill("[data-testid=registry-lookup] input[name=q]", company.uscc)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=registry-record]")
    assert "王五" in page.inner_text("[data-testid=registry-record]")
    page.screenshot(path=str(ARTIFACTS / "kyc-registry.png"), full_page=True)

    page.goto(f"{live_server.url}/kyc/applications/{world.pk}/")
    page.click("[data-testid=run-checks]")
    page.wait_for_selector("[data-testid=check-registry]")
    assert "法定代表人不一致" in page.inner_text("[data-testid=check-registry]")
    assert "不通过" in page.inner_text("[data-testid=check-lawsuits]")
    differs = page.locator("[data-testid=registry-compare] tr[data-differs]")
    assert sorted(differs.evaluate_all("rows => rows.map(r => r.dataset.testid)")) == [
        "registry-line-lawsuit_count",
        "registry-line-legal_rep",
    ]
    page.screenshot(path=str(ARTIFACTS / "kyc-registry-application.png"), full_page=True)


def test_a_large_import_shows_progress_then_the_row_report(
    live_server, browser, world, tmp_path, settings, monkeypatch
):
    """A file over the inline limit is a job: the page shows its progress bar while it runs
    and the row report when it ends — here a refused all-or-nothing file, nothing stored."""
    import datetime as dt

    from django.utils import timezone

    from xinren.jobs import services as jobs
    from xinren.kyc import registry_import
    from xinren.orgs.models import User

    settings.MEDIA_ROOT = tmp_path / "data"
    monkeypatch.setattr(registry_import, "INLINE_MAX_ROWS", 1)
    admin = User.objects.get(username="admin")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "admin")
    # a job still running: the progress bar (the worker is elsewhere; progress set by hand)
    running = jobs.start(registry_import.JOB_KIND, admin)
    jobs.mark_running(running.pk)
    jobs.report(running.pk, 80_000, 200_000, "检查行")
    type(running).objects.filter(pk=running.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=30)
    )
    page.goto(f"{live_server.url}/kyc/registry/?job={running.pk}")
    page.wait_for_selector("[data-testid=registry-import-job] .progress")
    assert "40%" in page.inner_text("[data-testid=registry-import-job]")
    page.screenshot(path=str(ARTIFACTS / "kyc-registry-job-running.png"), full_page=True)

    snapshot = tmp_path / "工商登记.csv"
    snapshot.write_bytes(csv_bytes([
        HEADER,
        row("宁波明远科技有限公司", factories.valid_uscc()),
        row("温州临风贸易有限公司", "91330100XXXX", status="不明"),
    ]))  # fmt: skip
    page.goto(f"{live_server.url}/kyc/registry/")
    page.fill("#id_source", "国家企业信用信息公示系统")
    page.fill("#id_as_of", "2026-10-01")
    page.set_input_files("#id_file", str(snapshot))
    page.click("[data-testid=registry-import]")
    page.wait_for_selector("[data-testid=registry-import-result]")
    assert "?job=" in page.url
    result = page.inner_text("[data-testid=registry-import-result]")
    assert "未写入任何数据" in result and "uscc_length" in result and "status" in result
    assert RegistryRecord.objects.count() == 0
    page.screenshot(path=str(ARTIFACTS / "kyc-registry-job-refused.png"), full_page=True)
