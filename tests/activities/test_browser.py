"""The timeline in a real browser (Debian chromium through Playwright) on demo-like history:
quick log with the keyboard, infinite scroll, kind chips, next step "done". Screenshots land
in ``test-artifacts/``. Skipped with a message when chromium is missing."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

pytestmark = BROWSER


@pytest.fixture
def history(transactional_db):
    from xinren.customers import services as customer_services
    from xinren.demo.history import generate_history
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(rep, name="杭州云启信息科技有限公司", region_code="330100")
    # a long-standing customer, so the history has orders and payments too
    type(account).objects.filter(pk=account.pk).update(status="maintenance")
    for name, title in (("张伟", "采购经理"), ("王芳", "技术总监")):
        customer_services.create_contact(
            actor=rep,
            company=account.company,
            data={"name": name, "title": title, "decision_role": "purchaser"},
        )
    generate_history(seed=7)  # three years of visits, calls, orders, payments…
    return {"rep": rep, "account": account}


def test_timeline_on_the_customer_page(live_server, browser, history):
    account = history["account"]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/customers/{account.company_id}/")
    page.wait_for_selector("[data-testid=timeline-event]")
    assert page.locator("[data-testid=timeline-event]").count() == 20
    assert page.locator("#id_kind_0").is_checked()  # a visit, unless said otherwise
    page.locator("[data-testid=timeline-section]").screenshot(
        path=str(ARTIFACTS / "customer-timeline.png")
    )
    page.screenshot(path=str(ARTIFACTS / "customer-page-with-timeline.png"), full_page=True)

    # log a visit with the keyboard only: Alt+V to the subject, Ctrl+Enter to save
    page.keyboard.press("Alt+v")
    focused = page.evaluate("document.activeElement.id")
    if focused != "id_subject":  # accesskeys depend on the browser's platform modifiers
        page.focus("#id_subject")
    page.keyboard.type("拜访采购负责人")
    page.check("text=张伟（采购经理）")
    page.focus("#id_summary")
    page.keyboard.type("客户确认了明年的采购计划")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-testid=log-saved]")
    # "now" to the minute: it sits among the newest events (the contacts were added seconds ago)
    newest = page.locator("[data-testid=timeline-event]").all_inner_texts()[:6]
    assert any("拜访采购负责人" in text for text in newest), newest

    # an empty subject is an inline error, nothing is lost
    page.fill("#id_summary", "只写了纪要")
    page.click("[data-testid=log-save]")
    page.wait_for_selector("[data-field=subject]")
    assert page.input_value("#id_summary") == "只写了纪要"

    # infinite scroll: the sentinel loads the next keyset page. Scroll the window, not the
    # sentinel: once revealed, htmx swaps it out, and a handle on it may already be detached.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("document.querySelectorAll('[data-testid=timeline-event]').length > 20")

    # kind chips
    page.click("[data-testid=timeline-chips] [data-kind=order]")
    page.wait_for_selector("[data-testid=timeline-chips] [data-kind=order][aria-current=true]")
    kinds = page.eval_on_selector_all(
        "[data-testid=timeline-event]", "els => [...new Set(els.map(e => e.dataset.kind))]"
    )
    assert kinds == ["order"]

    # next step done
    page.click("[data-testid=timeline-chips] [data-kind=interaction]")
    page.wait_for_selector(
        "[data-testid=timeline-chips] [data-kind=interaction][aria-current=true]"
    )
    done_buttons = page.locator("[data-testid=done]")
    if done_buttons.count():
        done_buttons.first.click()
        page.wait_for_selector("[data-testid=next-step-done]")
    page.locator("[data-testid=timeline-section]").screenshot(
        path=str(ARTIFACTS / "customer-timeline-interactions.png")
    )


def test_account_timeline_in_english_at_phone_width(live_server, browser, history):
    account = history["account"]
    page = browser.new_page(locale="en-US", viewport={"width": 390, "height": 844})
    sign_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/accounts/{account.pk}/timeline/")
    page.wait_for_selector("[data-testid=timeline-event]")
    assert "Log a visit" in page.inner_text("[data-testid=log-form]")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a phone screen"
    page.screenshot(path=str(ARTIFACTS / "phone-account-timeline-en.png"), full_page=True)
