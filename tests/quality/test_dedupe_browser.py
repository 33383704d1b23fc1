"""The duplicate review queue in a real browser: start a run with the button, then decide
pairs with the keyboard alone (S = same company, D = different)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in

from .dedupe_data import make_companies

pytestmark = BROWSER


@pytest.fixture
def world(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    factories.make_user(org.a_sales, "department_head", username="steward", full_name="王主管")
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    return make_companies(rep)


def test_decide_pairs_by_keyboard(live_server, browser, world):
    from xinren.quality.models import DuplicatePair, PairStatus

    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(page, live_server.url, "steward")
    page.click("[data-testid=nav-data]")  # the data-quality menu
    page.click("text=疑似重复")
    page.wait_for_url("**/quality/duplicates/")
    assert page.locator("[data-testid=pair]").count() == 0
    page.click("[data-testid=run-start]")
    page.wait_for_selector("[data-testid=last-run]:has-text('发现')")
    page.reload()
    cards = page.locator("[data-testid=pair]")
    assert cards.count() == DuplicatePair.objects.count() >= 2
    first, second = (int(cards.nth(i).get_attribute("data-pair")) for i in (0, 1))
    page.keyboard.press("j")  # focus the first pair
    page.keyboard.press("s")  # same company
    page.wait_for_selector(f"#pair-{first}[data-status=same]")
    assert page.locator(f"#pair-{first} [data-testid=merge-link]").is_visible()
    # Focus moved on to the next pair: D decides it without touching the mouse.
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'pair-{second}'"
    )
    page.keyboard.press("d")
    page.wait_for_selector(f"#pair-{second}[data-status=different]")
    page.screenshot(path=str(ARTIFACTS / "duplicate-review-queue.png"), full_page=True)
    assert DuplicatePair.objects.get(pk=first).status == PairStatus.SAME
    assert DuplicatePair.objects.get(pk=second).status == PairStatus.DIFFERENT
    href = page.get_attribute(f"#pair-{first} [data-testid=merge-link]", "href")
    assert href.startswith("/quality/merge/")
