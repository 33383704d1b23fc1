"""Watch lists in a real browser: the company page's panel loads the hit (htmx), the hits
page dismisses it with a reason, and the list page imports a file with a progress bar."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.kyc.models import HitStatus, ListHit
from xinren.kyc.screening import screen_all
from xinren.kyc.services import import_list

from .conftest import HEADER, csv_bytes

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    admin = factories.make_user(org.hq, "group_admin", username="admin")
    factories.make_user(org.sub_a, "risk_officer", username="risk", full_name="王风控")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    company = factories.make_customer(rep, name="上海华为技术有限公司").company
    import_list(
        actor=admin, content=csv_bytes([HEADER, ["华为技术（上海）有限公司", "", "失联", "", ""]]),
        filename="l.csv", kind="abnormal_operation", name="经营异常名录", rescreen=False,
    )  # fmt: skip
    screen_all()
    return company


def test_panel_and_dismissing_a_name_only_hit(live_server, browser, world):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "risk")
    page.goto(f"{live_server.url}/customers/{world.pk}/")
    page.wait_for_selector("[data-testid=company-list-hit]")
    assert "华为技术（上海）有限公司" in page.inner_text("#list-hits")
    page.click("#list-hits a")
    page.wait_for_selector("[data-testid=name-only]")
    page.screenshot(path=str(ARTIFACTS / "kyc-hits.png"), full_page=True)
    page.fill("[data-testid=list-hit] input[name=note]", "注册地不同，非同一企业")
    page.click("[data-testid=list-hit] button[value=dismissed]")
    page.wait_for_selector("[data-testid=list-hit]:has-text('已排除')")
    assert "注册地不同，非同一企业" in page.inner_text("[data-testid=list-hit]")
    hit = ListHit.objects.get()
    assert hit.status == HitStatus.DISMISSED and hit.note == "注册地不同，非同一企业"
