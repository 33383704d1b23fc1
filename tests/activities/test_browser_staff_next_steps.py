"""Real browser: name colleagues on a quick log with the keyboard (filter, space), then work
through "My next steps" (overdue highlighted, Done in place), in Chinese and English; an
administrator's top bar with the extra link. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

from .conftest import log

pytestmark = BROWSER

NAMES = ["赵敏", "钱进", "孙丽", "周强", "吴昊", "郑爽", "王磊", "冯雪", "陈晨", "褚卫"]


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    for i, name in enumerate(NAMES):
        unit = org.a_service if i % 2 else org.a_sales
        factories.make_user(unit, "sales_rep", username=f"u{i}", full_name=name)
    factories.make_user(org.b_sales, "sales_rep", username="south", full_name="南方同事")
    factories.make_user(org.hq_office, "group_admin", username="admin", full_name="集团管理员")
    account = factories.make_customer(rep, name="杭州云启信息科技有限公司")
    other = factories.make_customer(rep, name="宁波海港物流有限公司")
    today = timezone.localdate()
    for acc, step, due in (
        (account, "发送报价单", today - dt.timedelta(days=4)),
        (other, "确认样品反馈", today - dt.timedelta(days=1)),
        (account, "安排技术交流", today + dt.timedelta(days=2)),
        (other, "续签合同谈判", today + dt.timedelta(days=12)),
    ):
        log(rep, acc, subject="电话沟通", kind="call", next_step=step, next_step_due=due,
            occurred_at=timezone.now() - dt.timedelta(days=10))  # fmt: skip
    return {"rep": rep, "account": account}


def test_staff_picker_and_my_next_steps(live_server, browser, world):
    account = world["account"]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/accounts/{account.pk}/timeline/")
    staff = page.locator("[data-testid=staff]")
    assert "南方同事" not in staff.inner_text()  # another subsidiary: not offered
    assert page.locator(f"input[name=log-staff][value='{world['rep'].pk}']").is_checked()
    page.fill("#id_subject", "季度业务回顾")
    page.fill("[data-staff-filter]", "孙")
    assert page.locator("[data-staff-list] .form-check:visible").count() == 2  # 孙丽 + me
    page.keyboard.press("Tab")  # from the filter into the list: the first visible box
    page.focus("text=孙丽 >> xpath=preceding-sibling::input")
    page.keyboard.press("Space")
    staff.screenshot(path=str(ARTIFACTS / "log-form-staff-picker.png"))
    page.locator("[data-testid=log-form]").screenshot(path=str(ARTIFACTS / "log-form-zh.png"))
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-testid=log-saved]")
    from xinren.activities.models import Interaction

    saved = Interaction.objects.get(subject="季度业务回顾")
    assert sorted(u.full_name for u in saved.staff.all()) == ["孙丽", "李销售"]

    page.click("text=我的跟进事项")
    page.wait_for_selector("[data-testid=my-step]")
    steps = page.locator("[data-testid=my-step]")
    assert steps.count() == 4
    assert steps.nth(0).get_attribute("data-overdue") == "1"
    assert "发送报价单" in steps.nth(0).inner_text()
    page.screenshot(path=str(ARTIFACTS / "my-next-steps-zh.png"), full_page=True)
    steps.nth(0).locator("[data-testid=done]").click()
    page.wait_for_selector("[data-testid=next-step-done]")
    page.screenshot(path=str(ARTIFACTS / "my-next-steps-done-zh.png"), full_page=True)

    en = browser.new_page(locale="en-US", viewport={"width": 390, "height": 900})
    sign_in(en, live_server.url, "rep")
    en.goto(f"{live_server.url}/me/next-steps/")
    assert en.locator("[data-testid=my-step]").count() == 3
    assert "My next steps" in en.content()
    en.screenshot(path=str(ARTIFACTS / "my-next-steps-en-phone.png"), full_page=True)

    admin = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 600})
    sign_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}/me/next-steps/")
    admin.screenshot(path=str(ARTIFACTS / "nav-admin-1280.png"))
