"""Shared people and customers for the interaction and timeline tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from xinren.activities import services
from xinren.customers import services as customer_services


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")


@pytest.fixture
def account(rep):
    return factories.make_customer(rep, name="杭州云启信息科技有限公司")


@pytest.fixture
def contact(rep, account):
    return customer_services.create_contact(
        actor=rep, company=account.company, data={"name": "张经理", "decision_role": "purchaser"}
    )


def log(actor, account, **overrides):
    """Log an interaction with sensible defaults (a visit two hours ago)."""
    data = {
        "kind": "visit",
        "occurred_at": timezone.now() - dt.timedelta(hours=2),
        "subject": "季度业务回顾",
        "summary": "客户希望下季度增加采购量。",
    }
    data.update(overrides)
    return services.log_interaction(actor=actor, account=account, **data)
