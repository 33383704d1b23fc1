"""The one money rule, at its edges, plus the selectors' renewal list and milestone status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tests import factories
from xinren.core.errors import error_items
from xinren.sales import selectors, services
from xinren.sales.models import PaymentMilestone
from xinren.sales.money import MAX_AMOUNT, parse_amount, parse_currency

from .conftest import contract_data


def _rule(value, **kw) -> str:
    with pytest.raises(ValidationError) as exc:
        parse_amount(value, "amount", **kw)
    item = error_items(exc.value)[0]
    assert item["field"] == "amount" and item["message"]
    return item["rule"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("12.30", Decimal("12.30")),
        (" 12.3 ", Decimal("12.30")),
        ("12.500", Decimal("12.50")),  # trailing zeros are not extra precision
        (7, Decimal("7.00")),
        (Decimal("0.01"), Decimal("0.01")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("1E+2", Decimal("100.00")),
    ],
)
def test_accepted(value, expected):
    assert parse_amount(value, "amount") == expected


@pytest.mark.parametrize(
    "value,rule",
    [
        ("", "required"),
        (None, "required"),
        (0.1, "type"),
        (True, "type"),
        ("abc", "type"),
        ("NaN", "type"),
        ("Infinity", "type"),
        ("1,000", "type"),
        ("0.001", "decimal_places"),
        ("12.345", "decimal_places"),
        ("0", "positive"),
        ("-0", "positive"),
        ("0.00", "positive"),
        ("-0.01", "not_negative"),
        (str(MAX_AMOUNT), "max_value"),
        ("1e30", "max_value"),
        ("-1e30", "not_negative"),
    ],
)
def test_refused(value, rule):
    assert _rule(value) == rule


def test_zero_allowed_where_asked():
    assert parse_amount("0", "unit_price", allow_zero=True) == Decimal("0.00")
    assert parse_amount("-5", "adjustment", allow_negative=True) == Decimal("-5.00")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2))
def test_any_two_place_amount_round_trips(value):
    assert parse_amount(str(value), "amount") == value


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000000"), places=3))
def test_three_places_refused_unless_whole_cents(value):
    if value == value.quantize(Decimal("0.01")):
        assert parse_amount(str(value), "amount") == value
    else:
        assert _rule(str(value)) == "decimal_places"


@pytest.mark.parametrize("code,ok", [("cny", "CNY"), ("", "CNY"), (" usd ", "USD")])
def test_currency_normalised(code, ok):
    assert parse_currency(code) == ok


@pytest.mark.parametrize("code", ["RMB", "YUAN", "12A", "C N", "XYZ"])
def test_currency_refused(code):
    with pytest.raises(ValidationError) as exc:
        parse_currency(code)
    assert error_items(exc.value)[0]["rule"] == "iso4217"


def test_contracts_up_for_renewal(org, rep, account):
    soon = services.create_contract(
        actor=rep, account=account, data=contract_data(renewal_on=dt.date(2026, 12, 1))
    )
    services.create_contract(
        actor=rep, account=account,
        data=contract_data(number="HT-2", renewal_on=dt.date(2027, 3, 1),
                           end_on=dt.date(2027, 3, 31)),
    )  # fmt: skip
    services.create_contract(
        actor=rep, account=account,
        data=contract_data(number="HT-3", status="expired", renewal_on=dt.date(2026, 11, 1)),
    )  # fmt: skip
    due = selectors.contracts_up_for_renewal(rep, dt.date(2026, 12, 31))
    assert list(due) == [soon]
    assert (
        list(selectors.contracts_up_for_renewal(rep, dt.date(2026, 12, 31), dt.date(2026, 12, 2)))
        == []
    )
    outsider = factories.make_user(org.b_sales, "subsidiary_admin", username="outsider")
    assert not selectors.contracts_up_for_renewal(outsider, dt.date(2030, 1, 1)).exists()


@pytest.mark.parametrize(
    "paid,paid_on,due,status",
    [
        ("100", dt.date(2026, 3, 1), dt.date(2026, 3, 1), "paid"),
        ("0", None, dt.date(2026, 3, 2), "due"),  # due today: not yet overdue
        ("40", None, dt.date(2026, 3, 2), "partly_paid"),
        ("40", None, dt.date(2026, 3, 1), "overdue"),
        ("0", None, dt.date(2026, 3, 1), "overdue"),
    ],
)
def test_milestone_status(paid, paid_on, due, status):
    m = PaymentMilestone(
        amount=Decimal("100"), paid_amount=Decimal(paid), paid_on=paid_on, due_on=due
    )
    assert selectors.milestone_status(m, dt.date(2026, 3, 2)) == status
