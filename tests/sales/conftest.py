"""Shared fixtures: a sales rep with one customer account, and helpers to build records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from xinren.sales import services


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def head(org):
    return factories.make_user(org.a_sales, "department_head", username="head")


@pytest.fixture
def account(rep):
    return factories.make_customer(rep, name="杭州云启信息科技有限公司")


def contract_data(**over):
    data = {
        "number": "HT-2026-001",
        "title": "年度供货合同",
        "signed_on": dt.date(2026, 1, 5),
        "start_on": dt.date(2026, 1, 10),
        "end_on": dt.date(2026, 12, 31),
        "amount": Decimal("120000.00"),
        "payment_terms": "credit",
        "credit_days": 30,
        "renewal_on": dt.date(2026, 12, 1),
    }
    data.update(over)
    return data


def make_order(actor, account, number="SO-1", day=dt.date(2026, 3, 1), amount="1000.00", **over):
    return services.create_order(
        actor=actor,
        account=account,
        data={"number": number, "ordered_on": day, "amount": amount, **over},
    )


def make_milestone(actor, account, due, amount="1000.00", order=None, **over):
    data = {"due_on": due, "amount": amount, **over}
    if order is not None:
        data["order_id"] = order.pk
    return services.create_milestone(actor=actor, account=account, data=data)


def pay(actor, milestone, day, amount, reference=""):
    return services.record_receipt(
        actor=actor,
        account=milestone.account,
        milestone_id=milestone.pk,
        data={"received_on": day, "amount": amount, "reference": reference},
    )
