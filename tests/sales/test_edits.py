"""Editing orders and payment milestones (service, API, pages) and the keyset "older" links
of the account's 合同与收款 page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.audit.models import ChangeLog
from xinren.core.errors import ConflictError
from xinren.orgs.auth import issue_token
from xinren.sales import selectors, services
from xinren.sales.models import Order, PaymentMilestone
from xinren.timeline.models import TimelineEvent

from .conftest import contract_data, make_milestone, make_order, pay


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def _rule(exc: ValidationError, field: str) -> str:
    return exc.value.error_dict[field][0].code


# --- milestone service -----------------------------------------------------------------------
def test_update_milestone_due_date_description_and_amount(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00", description="首付")
    services.update_milestone(
        actor=rep,
        milestone=m,
        data={"due_on": dt.date(2026, 5, 1), "description": "首付款", "amount": "80.50"},
        expected_version=1,
    )
    m.refresh_from_db()
    assert (m.due_on, m.description, m.amount, m.version) == (
        dt.date(2026, 5, 1), "首付款", Decimal("80.50"), 2,
    )  # fmt: skip
    log = ChangeLog.objects.get(entity="sales.paymentmilestone", object_id=m.pk, action="update")
    assert log.changes["due_on"] == {"before": "2026-04-01", "after": "2026-05-01"}
    assert log.changes["amount"] == {"before": "100.00", "after": "80.50"}
    assert log.account_id == account.pk
    event = TimelineEvent.objects.get(source="sales.paymentmilestone", source_id=m.pk)
    assert "2026-05-01" in event.title and event.detail["amount"] == "80.50"


def test_milestone_amount_fixed_once_money_received(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    pay(rep, m, dt.date(2026, 3, 1), "10.00")
    m.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.update_milestone(
            actor=rep, milestone=m, data={"amount": "90.00"}, expected_version=m.version
        )
    assert _rule(exc, "amount") == "has_receipts"
    # the same amount, or only the date, is fine
    services.update_milestone(
        actor=rep,
        milestone=m,
        data={"amount": "100.00", "due_on": dt.date(2026, 4, 15)},
        expected_version=m.version,
    )
    m.refresh_from_db()
    assert m.due_on == dt.date(2026, 4, 15) and m.paid_amount == Decimal("10.00")


@pytest.mark.parametrize(
    ("amount", "rule"),
    [("12.345", "decimals"), ("-5", "positive"), ("abc", "invalid"), ("700.00", "exceeds_order")],
)
def test_milestone_bad_amount_changes_nothing(rep, account, amount, rule):
    order = make_order(rep, account, "SO-E1", amount="1000.00")
    make_milestone(rep, account, dt.date(2026, 4, 1), "400.00", order=order)
    m = make_milestone(rep, account, dt.date(2026, 5, 1), "300.00", order=order)
    with pytest.raises(ValidationError) as exc:
        services.update_milestone(
            actor=rep, milestone=m, data={"amount": amount}, expected_version=1
        )
    assert "amount" in exc.value.error_dict
    if rule == "exceeds_order":
        assert _rule(exc, "amount") == rule
    m.refresh_from_db()
    assert m.amount == Decimal("300.00") and m.version == 1


def test_milestone_stale_version_conflicts(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    services.update_milestone(actor=rep, milestone=m, data={"description": "a"}, expected_version=1)
    stale = PaymentMilestone.objects.get(pk=m.pk)
    with pytest.raises(ConflictError):
        services.update_milestone(
            actor=rep, milestone=stale, data={"description": "b"}, expected_version=1
        )
    assert PaymentMilestone.objects.get(pk=m.pk).description == "a"


def test_milestone_edit_needs_edit_right_and_scope(org, rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    viewer = factories.make_user(org.a_sales, "auditor", username="aud")
    outsider = factories.make_user(org.b_sales, "subsidiary_admin", username="out")
    from django.core.exceptions import PermissionDenied

    from xinren.customers.models import CustomerAccount

    with pytest.raises(PermissionDenied):
        services.update_milestone(actor=viewer, milestone=m, data={"description": "x"},
                                  expected_version=1)  # fmt: skip
    with pytest.raises(CustomerAccount.DoesNotExist):
        services.update_milestone(actor=outsider, milestone=m, data={"description": "x"},
                                  expected_version=1)  # fmt: skip
    assert PaymentMilestone.objects.get(pk=m.pk).version == 1


# --- API --------------------------------------------------------------------------------------
def test_api_patch_milestone(org, rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    api = _api(rep)
    got = api.get(f"/milestones/{m.pk}")
    assert got.status_code == 200 and got.json()["version"] == 1
    ok = api.patch(f"/milestones/{m.pk}", {"version": 1, "due_on": "2026-06-30", "amount": "99.90"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["due_on"] == "2026-06-30" and ok.json()["amount"] == "99.90"
    assert ok.json()["version"] == 2
    stale = api.patch(f"/milestones/{m.pk}", {"version": 1, "description": "x"})
    assert stale.status_code == 409
    floaty = api.patch(f"/milestones/{m.pk}", {"version": 2, "amount": 1.5})
    assert floaty.status_code == 422
    bad = api.patch(f"/milestones/{m.pk}", {"version": 2, "amount": "1.555"})
    assert bad.status_code == 422 and "amount" in bad.content.decode()
    outsider = _api(factories.make_user(org.b_sales, "subsidiary_admin", username="out"))
    assert outsider.get(f"/milestones/{m.pk}").status_code == 404
    assert outsider.patch(f"/milestones/{m.pk}", {"version": 2}).status_code == 404
    assert PaymentMilestone.objects.get(pk=m.pk).version == 2


def test_api_patch_milestone_queries_constant(rep, account):
    order = make_order(rep, account, "SO-Q", amount="1000.00")
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00", order=order)
    api = _api(rep)

    def count(version):
        with CaptureQueriesContext(connection) as ctx:
            r = api.patch(f"/milestones/{m.pk}", {"version": version, "amount": "11.00"})
            assert r.status_code == 200
        return len(ctx.captured_queries)

    first = count(1)
    for i in range(5):
        make_milestone(rep, account, dt.date(2026, 4, 2), "10.00", order=order, description=str(i))
    assert count(2) <= first


# --- pages ------------------------------------------------------------------------------------
def test_order_edit_page_and_conflict(rep, account):
    contract = services.create_contract(actor=rep, account=account, data=contract_data())
    order = make_order(rep, account, "SO-PG", amount="500.00")
    client = _client(rep)
    page = client.get(f"/orders/{order.pk}/edit/")
    assert page.status_code == 200 and "amount" not in re.findall(
        r'name="(\w+)"', page.content.decode()
    )
    form = {
        "ordered_on": "2026-03-05",
        "contract_id": str(contract.pk),
        "notes": "补记",
        "version": "1",
    }
    assert client.post(f"/orders/{order.pk}/edit/", form).status_code == 302
    order.refresh_from_db()
    assert (order.ordered_on, order.contract_id, order.notes, order.amount) == (
        dt.date(2026, 3, 5), contract.pk, "补记", Decimal("500.00"),
    )  # fmt: skip
    stale = client.post(f"/orders/{order.pk}/edit/", {**form, "notes": "旧"})
    assert stale.status_code == 409 and "已被其他人修改" in stale.content.decode()
    assert 'value="旧"' in stale.content.decode() or "旧" in stale.content.decode()
    assert Order.objects.get(pk=order.pk).notes == "补记"
    bad = client.post(
        f"/orders/{order.pk}/edit/", {**form, "ordered_on": "1900-01-01", "version": "2"}
    )
    assert bad.status_code == 422


def test_milestone_edit_page(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    client = _client(rep)
    assert client.get(f"/milestones/{m.pk}/edit/").status_code == 200
    form = {"due_on": "2026-04-20", "amount": "120.00", "description": "尾款", "version": "1"}
    assert client.post(f"/milestones/{m.pk}/edit/", form).status_code == 302
    m.refresh_from_db()
    assert (m.due_on, m.amount, m.description) == (dt.date(2026, 4, 20), Decimal("120.00"), "尾款")
    bad = client.post(f"/milestones/{m.pk}/edit/", {**form, "amount": "1.234", "version": "2"})
    assert bad.status_code == 422 and 'data-field="amount"' in bad.content.decode()
    stale = client.post(f"/milestones/{m.pk}/edit/", {**form, "description": "x", "version": "1"})
    assert stale.status_code == 409


def test_milestone_edit_page_locks_amount_after_receipt(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    pay(rep, m, dt.date(2026, 3, 1), "10.00")
    client = _client(rep)
    page = client.get(f"/milestones/{m.pk}/edit/").content.decode()
    assert re.search(r'name="amount"[^>]*disabled', page)
    form = {"due_on": "2026-04-20", "amount": "5.00", "description": "改期", "version": "2"}
    assert client.post(f"/milestones/{m.pk}/edit/", form).status_code == 302
    m.refresh_from_db()
    assert m.amount == Decimal("100.00") and m.due_on == dt.date(2026, 4, 20)


def test_edit_pages_scope_and_rights(org, rep, account):
    order = make_order(rep, account, "SO-S", amount="10.00")
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00")
    outsider = _client(factories.make_user(org.b_sales, "subsidiary_admin", username="out"))
    for url in (f"/orders/{order.pk}/edit/", f"/milestones/{m.pk}/edit/"):
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"version": "1"}).status_code == 404
    viewer = _client(factories.make_user(org.a_sales, "auditor", username="aud"))
    assert viewer.get(f"/orders/{order.pk}/edit/").status_code in (403, 404)


def test_older_links_reach_every_row(rep, account):
    """More orders than a page: following "older" walks every order exactly once, newest
    first; the other lists stay on their first page."""
    from xinren.sales import views

    for i in range(7):
        make_order(rep, account, f"SO-K{i}", day=dt.date(2026, 1, 1 + i % 3), amount="1.00")
    client = _client(rep)
    seen = []
    url = f"/accounts/{account.pk}/sales/"
    old = views.LIST_LIMIT
    views.LIST_LIMIT = 3
    try:
        pages = 0
        while url:
            html = client.get(url).content.decode()
            orders = re.search(r'data-testid="orders">(.*?)</table>', html, re.S).group(1)
            seen += re.findall(r"SO-K\d", orders)
            nxt = re.search(r'href="(\?[^"]*o=[^"]*)#orders"[^>]*data-testid="older"', html)
            url = (
                f"/accounts/{account.pk}/sales/" + nxt.group(1).replace("&amp;", "&")
                if nxt
                else None
            )
            pages += 1
        assert pages == 3
    finally:
        views.LIST_LIMIT = old
    expected = [
        o.number for o in Order.objects.filter(account=account).order_by("-ordered_on", "-pk")
    ]
    assert seen == expected and len(set(seen)) == 7


def test_date_page_cursor_garbage_starts_over(rep, account):
    make_order(rep, account, "SO-G", amount="1.00")
    qs = selectors.account_orders(rep, account.pk)
    for junk in ("x", "2026-13-01.1", "2026-01-01.-4", "2026-01-01.1.2", "2026-1-1.3"):
        assert [o.number for o in selectors.date_page(qs, "ordered_on", junk, 5).items] == ["SO-G"]
    client = _client(rep)
    assert client.get(f"/accounts/{account.pk}/sales/?o=garbage&m=zz").status_code == 200


def test_paged_list_queries_constant(rep, account):
    client = _client(rep)
    for i in range(4):
        make_order(rep, account, f"SO-C{i}", amount="1.00")
    cursor = selectors.date_page(selectors.account_orders(rep, account.pk), "ordered_on", None, 2)

    def count(q):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/accounts/{account.pk}/sales/{q}").status_code == 200
        return len(ctx.captured_queries)

    assert count(f"?o={cursor.next_cursor}") <= count("")
