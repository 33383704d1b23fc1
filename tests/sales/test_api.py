"""The sales endpoints: money as strings, cursor pages, 409 on a stale version, 404 outside
scope, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.orgs.auth import issue_token
from xinren.sales.models import Contract, Order, Receipt

from .conftest import make_milestone, make_order, pay

CONTRACT = {
    "number": "HT-API-1",
    "title": "框架协议",
    "signed_on": "2026-01-05",
    "start_on": "2026-01-10",
    "end_on": "2026-12-31",
    "amount": "120000.50",
    "payment_terms": "credit",
    "credit_days": 60,
}


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def test_contract_lifecycle(rep, head, account):
    api = _api(rep)
    made = api.post(f"/accounts/{account.pk}/contracts", CONTRACT)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["amount"] == "120000.50" and body["currency"] == "CNY" and body["version"] == 1
    cid = body["id"]
    assert api.get(f"/contracts/{cid}").json()["number"] == "HT-API-1"
    patched = api.patch(f"/contracts/{cid}", {"version": 1, "title": "新名称", "amount": "1"})
    assert patched.status_code == 200 and patched.json()["amount"] == "1.00"
    stale = api.patch(f"/contracts/{cid}", {"version": 1, "title": "旧"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api.delete(f"/contracts/{cid}").status_code == 403  # sales reps may not delete
    assert _api(head).delete(f"/contracts/{cid}").status_code == 204
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    "over,field,rule",
    [
        ({"amount": 1.5}, "amount", "value_error"),
        ({"amount": "1.555"}, "amount", "decimal_places"),
        ({"amount": "-1"}, "amount", "not_negative"),
        ({"end_on": "2025-01-01"}, "end_on", "date_order"),
        ({"credit_days": None}, "credit_days", "required"),
        ({"currency": "XYZ"}, "currency", "iso4217"),
    ],
)
def test_contract_bad_input(rep, account, over, field, rule):
    got = _api(rep).post(f"/accounts/{account.pk}/contracts", {**CONTRACT, **over})
    assert got.status_code == 422
    assert (got.json()["errors"][0]["field"], got.json()["errors"][0]["rule"]) == (field, rule)
    assert not Contract.objects.exists()


def test_order_with_lines_and_milestones_and_receipts(rep, head, account):
    api = _api(rep)
    made = api.post(
        f"/accounts/{account.pk}/orders",
        {
            "number": "SO-A1",
            "ordered_on": "2026-03-01",
            "lines": [
                {"product": "服务器", "quantity": "2", "unit_price": "1500.25"},
                {"product": "安装", "quantity": "1", "unit_price": "99.50"},
            ],
        },
    )
    assert made.status_code == 201, made.content
    order = made.json()
    assert order["amount"] == "3100.00" and len(order["lines"]) == 2
    assert order["lines"][0]["amount"] == "3000.50"
    m = api.post(
        f"/accounts/{account.pk}/milestones",
        {
            "due_on": "2026-04-01",
            "amount": "3100.00",
            "order_id": order["id"],
            "description": "货款",
        },
    )
    assert m.status_code == 201 and m.json()["status"] in ("overdue", "due")
    mid = m.json()["id"]
    r = api.post(
        f"/accounts/{account.pk}/receipts",
        {"milestone_id": mid, "received_on": "2026-03-25", "amount": "100.00", "reference": "BK1"},
    )
    assert r.status_code == 201 and r.json()["amount"] == "100.00"
    over = api.post(
        f"/accounts/{account.pk}/receipts",
        {"milestone_id": mid, "received_on": "2026-03-25", "amount": "3000.01"},
    )
    assert over.status_code == 422 and over.json()["errors"][0]["rule"] == "overpayment"
    listed = api.get(f"/accounts/{account.pk}/milestones").json()["items"][0]
    assert listed["paid_amount"] == "100.00" and listed["outstanding"] == "3000.00"
    assert listed["status"] == "overdue"  # due 1 April 2026, today is later
    assert api.delete(f"/receipts/{r.json()['id']}").status_code == 403
    assert _api(head).delete(f"/receipts/{r.json()['id']}").status_code == 204
    assert not Receipt.objects.exists()
    listed = api.get(f"/accounts/{account.pk}/milestones").json()["items"][0]
    assert listed["paid_amount"] == "0.00"
    patched = api.patch(f"/orders/{order['id']}", {"version": 1, "notes": "加急"})
    assert patched.status_code == 200 and patched.json()["notes"] == "加急"
    assert api.patch(f"/orders/{order['id']}", {"version": 1, "notes": "x"}).status_code == 409


def test_payment_figures_endpoint(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 6, 30), "1000.00")
    pay(rep, m, dt.date(2026, 6, 15), "400.00")
    got = _api(rep).get(f"/accounts/{account.pk}/payment-figures", as_of="2026-07-01")
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["overdue_amount"] == "600.00" and body["dso_days"] is None
    assert body["milestones_due_6m"] == 1 and body["milestones_late_6m"] == 1
    assert body["delay_rate"] == "1.0000" and body["high_risk"] is True


def test_out_of_scope_is_not_found(org, rep, account):
    order = make_order(rep, account)
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00")
    r = pay(rep, m, dt.date(2026, 3, 1), "1.00")
    contract = Contract.objects.create(
        account=account,
        number="HT-X",
        title="x",
        signed_on=dt.date(2026, 1, 1),
        start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2026, 2, 1),
        amount="1.00",
    )
    outsider = _api(factories.make_user(org.b_sales, "subsidiary_admin", username="outsider"))
    for path in (
        f"/accounts/{account.pk}/contracts",
        f"/accounts/{account.pk}/orders",
        f"/accounts/{account.pk}/milestones",
        f"/accounts/{account.pk}/receipts",
        f"/accounts/{account.pk}/payment-figures",
        f"/contracts/{contract.pk}",
        f"/orders/{order.pk}",
        f"/receipts/{r.pk}",
    ):
        assert outsider.get(path).status_code == 404, path
    assert outsider.post(f"/accounts/{account.pk}/contracts", CONTRACT).status_code == 404
    assert outsider.patch(f"/contracts/{contract.pk}", {"version": 1}).status_code == 404
    assert outsider.delete(f"/contracts/{contract.pk}").status_code == 404
    assert outsider.delete(f"/receipts/{r.pk}").status_code == 404
    assert outsider.delete(f"/orders/{order.pk}").status_code == 404
    assert Receipt.objects.count() == 1 and Order.objects.count() == 1


def test_cursor_pages(rep, account):
    for i in range(5):
        make_order(rep, account, f"SO-{i}")
    api = _api(rep)
    first = api.get(f"/accounts/{account.pk}/orders", limit=2).json()
    assert [o["number"] for o in first["items"]] == ["SO-4", "SO-3"]
    second = api.get(f"/accounts/{account.pk}/orders", limit=2, cursor=first["next_cursor"]).json()
    assert [o["number"] for o in second["items"]] == ["SO-2", "SO-1"]


@pytest.mark.parametrize("kind", ["contracts", "orders", "milestones", "receipts"])
def test_list_queries_do_not_grow_with_page_size(rep, account, kind):
    api = _api(rep)

    def count(limit):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/accounts/{account.pk}/{kind}", limit=limit).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for i in range(n):
            tag = f"{kind}-{n}-{i}"
            Contract.objects.create(
                account=account,
                number=f"HT-{tag}",
                title="x",
                signed_on=dt.date(2026, 1, 1),
                start_on=dt.date(2026, 1, 1),
                end_on=dt.date(2026, 2, 1),
                amount="1.00",
            )
            o = make_order(rep, account, f"SO-{tag}", amount="10.00")
            m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00", order=o)
            pay(rep, m, dt.date(2026, 3, 1), "1.00")

    add(2)
    small = count(2)
    add(10)
    assert count(12) <= small
