"""The data-quality dashboard in a real browser: cards, the ECharts trend drawn from three
daily snapshots (completeness rising as files are completed), drill-down from subsidiary to
department, and the worst records with what is missing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.customers.models import Company, Contact
from xinren.quality.measures import services

from .measures_data import FULL, bare_customer, full_customer

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    factories.make_user(org.hq, "group_admin", username="boss", full_name="王总")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    east = factories.make_user(org.a_east, "sales_rep", username="east", full_name="赵一组")
    south = factories.make_user(org.b_sales, "sales_rep", username="south", full_name="陈华南")
    bare = [bare_customer(rep, name=f"华东待补全{i}号有限公司") for i in range(4)]
    bare += [bare_customer(east, name="一组待补全有限公司"), bare_customer(south)]
    full_customer(south, name="华南完整档案有限公司")
    today = timezone.localdate()
    # Three weeks: each week two more files are completed, and each refresh is a point.
    for week, fixed in ((2, []), (1, bare[:2]), (0, bare[:4])):
        for account in fixed:
            Company.objects.filter(pk=account.company_id).update(**FULL)
            Contact.objects.get_or_create(
                company_id=account.company_id, name="联系人", work_phone="13800000000"
            )
        services.refresh_scores(day=today - dt.timedelta(days=7 * week))
    return org


def test_dashboard_trend_and_drill_down(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1100})
    sign_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/quality/")
    page.wait_for_selector("#quality-trend canvas")
    assert page.inner_text("[data-testid=records]") == "7"
    rows = page.locator("[data-testid=breakdown-row]")
    assert rows.count() == 2  # two subsidiaries
    worst = page.locator("[data-testid=worst-row]").first.inner_text()
    assert "法定代表人" in worst
    # The chart has one point per snapshot (ECharts' own model, read back in the page).
    points = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('quality-trend'))"
        ".getOption().series[0].data"
    )
    assert len(points) == 3 and points[0] < points[1] < points[2]
    page.screenshot(path=str(ARTIFACTS / "quality-dashboard.png"), full_page=True)
    page.click(f"[data-testid=breakdown-row][data-key='{world.sub_a.pk}'] a")
    page.wait_for_url(f"**/quality/?subsidiary={world.sub_a.pk}")
    depts = page.inner_text("[data-testid=breakdown]")
    assert world.a_sales.name in depts and world.a_east.name in depts
    assert world.b_sales.name not in depts
    assert page.inner_text("[data-testid=records]") == "5"
    page.screenshot(path=str(ARTIFACTS / "quality-dashboard-drill.png"), full_page=True)
