"""Derived payment figures against hand-computed examples, including boundary dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from xinren.customers.models import CustomerAccount
from xinren.sales import figures

from .conftest import make_milestone, make_order, pay

D = dt.date(2026, 7, 1)


@pytest.fixture
def ledger(rep, account):
    """M1 due 30 Jun 1000 (400 paid 15 Jun, 600 paid 2 Jul: late); M2 due 1 Jul 500 unpaid;
    M3 due 1 Jan 200 paid 30 Dec (on time, first day of the six-month window); M4 due 31 Dec
    300 unpaid (just outside the window)."""
    m1 = make_milestone(rep, account, dt.date(2026, 6, 30), "1000.00")
    pay(rep, m1, dt.date(2026, 6, 15), "400.00")
    pay(rep, m1, dt.date(2026, 7, 2), "600.00")
    make_milestone(rep, account, dt.date(2026, 7, 1), "500.00")
    m3 = make_milestone(rep, account, dt.date(2026, 1, 1), "200.00")
    pay(rep, m3, dt.date(2025, 12, 30), "200.00")
    make_milestone(rep, account, dt.date(2025, 12, 31), "300.00")
    return account


def test_overdue_amount(ledger):
    # Due before 1 Jul: M1 (1000 − 400 received by then) + M4 300; M2 is due *on* the day.
    assert figures.overdue_amount(ledger.pk, D) == Decimal("900.00")
    # 2 Jul: M1 settled that day, M2 now overdue.
    assert figures.overdue_amount(ledger.pk, D + dt.timedelta(days=1)) == Decimal("800.00")
    # 30 Jun: M1 is due that day, so only M4.
    assert figures.overdue_amount(ledger.pk, D - dt.timedelta(days=1)) == Decimal("300.00")
    assert figures.overdue_amount(ledger.pk, D, currency="USD") == Decimal("0.00")


def test_payment_delay_rate(ledger):
    # Window [1 Jan, 1 Jul): M3 on time, M1 paid after its due date → 1 of 2.
    rate = figures.payment_delay_rate(ledger.pk, D)
    assert (rate.due, rate.late, rate.rate, rate.high_risk) == (2, 1, Decimal("0.5000"), True)
    # Window [2 Jan, 2 Jul): M3 drops out, M2 (due 1 Jul, unpaid) comes in late → 2 of 2.
    rate = figures.payment_delay_rate(ledger.pk, D + dt.timedelta(days=1))
    assert (rate.due, rate.late) == (2, 2)
    # Window [31 Dec, 1 Jan): M4 only, unpaid → late.
    rate = figures.payment_delay_rate(ledger.pk, dt.date(2026, 1, 1))
    assert (rate.due, rate.late) == (1, 1)


def test_delay_rate_threshold_is_strictly_above_twenty_percent(rep, account):
    for i in range(5):
        m = make_milestone(rep, account, dt.date(2026, 5, 1 + i), "10.00")
        if i:
            pay(rep, m, dt.date(2026, 4, 1), "10.00")
    rate = figures.payment_delay_rate(account.pk, D)
    assert (rate.due, rate.late, rate.rate, rate.high_risk) == (5, 1, Decimal("0.2000"), False)
    m = make_milestone(rep, account, dt.date(2026, 5, 20), "10.00")
    pay(rep, m, dt.date(2026, 5, 21), "10.00")  # one day late
    rate = figures.payment_delay_rate(account.pk, D)
    assert (rate.due, rate.late, rate.high_risk) == (6, 2, True)


def test_no_milestones_means_no_rate(account):
    rate = figures.payment_delay_rate(account.pk, D)
    assert (rate.due, rate.rate, rate.high_risk) == (0, None, False)


def test_days_sales_outstanding(rep, account):
    first_day = D - dt.timedelta(days=89)  # the window's first day: 3 April
    assert first_day == dt.date(2026, 4, 3)
    o1 = make_order(rep, account, "SO-IN", first_day, "1000.00")
    make_milestone(rep, account, D + dt.timedelta(days=30), "1000.00", order=o1)
    o2 = make_order(rep, account, "SO-OUT", first_day - dt.timedelta(days=1), "5000.00")
    m2 = make_milestone(rep, account, D - dt.timedelta(days=60), "5000.00", order=o2)
    pay(rep, m2, D - dt.timedelta(days=10), "2000.00")
    pay(rep, m2, D + dt.timedelta(days=1), "1000.00")  # after D: not counted on D
    make_order(rep, account, "SO-LATER", D + dt.timedelta(days=1), "9000.00")
    # receivables 1000 + 3000, sales in [3 Apr, 1 Jul] 1000 → 4000 / 1000 × 90.
    assert figures.receivables(account.pk, D) == Decimal("4000.00")
    assert figures.sales(account.pk, D) == Decimal("1000.00")
    assert figures.days_sales_outstanding(account.pk, D) == Decimal("360.0")
    # A day later SO-IN leaves the window and SO-LATER enters it.
    assert figures.sales(account.pk, D + dt.timedelta(days=1)) == Decimal("9000.00")
    # Before any sale: undefined.
    assert figures.days_sales_outstanding(account.pk, dt.date(2026, 1, 1)) is None


def test_payment_figures_bundle(ledger):
    got = figures.payment_figures(ledger.pk, D)
    assert got.overdue_amount == Decimal("900.00") and got.dso_days is None
    assert got.delay_rate == Decimal("0.5000") and got.high_risk


@pytest.mark.parametrize(
    "day,expected",
    [
        (dt.date(2026, 8, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 8, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 15), dt.date(2025, 9, 15)),
        (dt.date(2026, 1, 1), dt.date(2025, 7, 1)),
    ],
)
def test_six_months_before(day, expected):
    assert figures.months_before(day, 6) == expected


def test_delay_rate_set_based_matches_per_account(rep, ledger):
    other = factories.make_customer(rep)
    m = make_milestone(rep, other, dt.date(2026, 3, 1), "10.00")
    pay(rep, m, dt.date(2026, 3, 1), "10.00")
    empty = factories.make_customer(rep)
    ids = [ledger.pk, other.pk, empty.pk]
    with CaptureQueriesContext(connection) as ctx:
        counts = figures.delay_counts(CustomerAccount.objects.filter(pk__in=ids).values("pk"), D)
    assert len(ctx.captured_queries) == 1
    assert counts[ledger.pk] == figures.payment_delay_rate(ledger.pk, D)
    assert (counts[other.pk].due, counts[other.pk].late) == (1, 0)
    assert empty.pk not in counts
    annotated = {
        a.pk: (a.delay_due, a.delay_late)
        for a in figures.annotate_delay_rate(CustomerAccount.objects.filter(pk__in=ids), D)
    }
    assert annotated == {ledger.pk: (2, 1), other.pk: (1, 0), empty.pk: (0, 0)}


def test_monthly_chart_data(ledger):
    months = figures.monthly_due_and_received(ledger.pk, D, months=3)
    assert [m["month"] for m in months] == ["2026-05", "2026-06", "2026-07"]
    assert months[1] == {"month": "2026-06", "due": "1000.00", "received": "400.00"}
    assert months[2]["due"] == "500.00" and months[2]["received"] == "0.00"
