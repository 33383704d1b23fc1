"""The credit policy is enforced when contracts and orders are created: service, API, import."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.core.errors import error_items
from xinren.orgs.auth import issue_token
from xinren.risk import services
from xinren.risk.models import RiskAssessment
from xinren.risk.policy import policies_for
from xinren.sales import imports
from xinren.sales import services as sales
from xinren.sales.models import Contract, Order

pytestmark = pytest.mark.django_db


def set_level(account, level, score):
    RiskAssessment.objects.update_or_create(
        account=account,
        defaults={"level": level, "score": score, "factors": [], "computed_at": timezone.now()},
    )


def contract(**over):
    data = {
        "number": "HT-1",
        "title": "年度供货合同",
        "signed_on": dt.date(2026, 1, 5),
        "start_on": dt.date(2026, 1, 10),
        "end_on": dt.date(2026, 12, 31),
        "amount": Decimal("120000.00"),
        "payment_terms": "credit",
        "credit_days": 30,
    }
    data.update(over)
    return data


def order(number="SO-1", amount="1000.00", **over):
    return {"number": number, "ordered_on": dt.date(2026, 3, 1), "amount": amount, **over}


def refusal(call):
    with pytest.raises(ValidationError) as exc:
        call()
    (item,) = error_items(exc.value)
    return item


def test_high_risk_order_blocked_with_reason(account, rep):
    set_level(account, "high", 70)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert (item["field"], item["rule"]) == ("contract_id", "risk_prepayment_only")
    assert item["message"] == (
        "客户风险等级为“高”（70 分），信用政策只允许预付款：订单须关联预付款合同。"
    )
    assert not Order.objects.exists()
    # Under a prepayment contract it goes through.
    pre = sales.create_contract(
        actor=rep, account=account, data=contract(payment_terms="prepayment", credit_days=None)
    )
    sales.create_order(actor=rep, account=account, data=order(contract_id=pre.pk))
    assert Order.objects.count() == 1


def test_high_risk_credit_contract_blocked(account, rep):
    set_level(account, "high", 60)
    item = refusal(lambda: sales.create_contract(actor=rep, account=account, data=contract()))
    assert (item["field"], item["rule"]) == ("payment_terms", "risk_prepayment_only")
    assert not Contract.objects.exists()


def test_medium_credit_days_and_limit(account, rep):
    set_level(account, "medium", 40)
    item = refusal(
        lambda: sales.create_contract(actor=rep, account=account, data=contract(credit_days=31))
    )
    assert (item["field"], item["rule"]) == ("credit_days", "risk_credit_days")
    assert "账期最长 30 天" in item["message"]
    item = refusal(
        lambda: sales.create_contract(
            actor=rep, account=account, data=contract(amount=Decimal("500000.01"))
        )
    )
    assert (item["field"], item["rule"]) == ("amount", "risk_credit_limit")
    sales.create_contract(actor=rep, account=account, data=contract(amount=Decimal("500000")))
    # Orders: what the account owes now plus the order may not exceed the limit.
    sales.create_order(actor=rep, account=account, data=order("SO-1", "400000.00"))
    sales.create_milestone(
        actor=rep, account=account, data={"due_on": dt.date(2026, 3, 1), "amount": "400000.00"}
    )
    item = refusal(
        lambda: sales.create_order(actor=rep, account=account, data=order("SO-2", "100000.01"))
    )
    assert (item["field"], item["rule"]) == ("amount", "risk_credit_limit")
    assert "应收余额 400000.00 元加本单 100000.01 元超过信用额度 500000.00 元" in item["message"]
    sales.create_order(actor=rep, account=account, data=order("SO-3", "100000.00"))


def test_low_and_unscored_accounts_are_not_limited(account, rep):
    sales.create_contract(actor=rep, account=account, data=contract(credit_days=90))
    set_level(account, "low", 10)
    sales.create_order(actor=rep, account=account, data=order(amount="9000000.00"))


def test_subsidiary_policy_over_group_default(account, rep, org):
    admin = factories.make_superuser()
    services.set_policy(
        actor=admin, business_unit=org.hq, level="low", data={"max_credit_days": "60"}
    )
    assert policies_for(org.sub_b.pk)["low"].max_credit_days == 60
    services.set_policy(
        actor=admin,
        business_unit=org.sub_a,
        level="low",
        data={"prepayment_only": True, "credit_limit": "1,000"},
    )
    mine = policies_for(org.sub_a.pk)["low"]
    assert (mine.prepayment_only, mine.credit_limit, mine.source) == (
        True,
        Decimal("1000.00"),
        "subsidiary",
    )
    set_level(account, "low", 0)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert item["rule"] == "risk_prepayment_only"


def test_policy_settings_need_configure_in_scope(org):
    sub_admin = factories.make_user(org.sub_b, "subsidiary_admin")
    rep = factories.make_user(org.a_sales, "sales_rep")
    with pytest.raises(PermissionDenied):
        services.set_policy(actor=rep, business_unit=org.sub_a, level="low", data={})
    with pytest.raises(PermissionDenied):
        services.set_policy(actor=sub_admin, business_unit=org.sub_a, level="low", data={})
    item = refusal(
        lambda: services.set_policy(
            actor=sub_admin, business_unit=org.sub_b, level="low", data={"max_credit_days": "400"}
        )
    )
    assert (item["field"], item["rule"]) == ("max_credit_days", "range")
    item = refusal(
        lambda: services.set_policy(
            actor=sub_admin, business_unit=org.sub_b, level="low", data={"credit_limit": "abc"}
        )
    )
    assert (item["field"], item["rule"]) == ("credit_limit", "type")


def test_api_refuses_high_risk_order_in_english(account, rep):
    set_level(account, "high", 80)
    client = ApiClient(issue_token(rep)[0])
    answer = client.post(
        f"/accounts/{account.pk}/orders",
        {"number": "SO-9", "ordered_on": "2026-03-01", "amount": "10.00"},
    )
    assert answer.status_code == 422
    (err,) = answer.json()["errors"]
    assert (err["field"], err["rule"]) == ("contract_id", "risk_prepayment_only")
    assert "信用政策只允许预付款" in err["message"]
    answer = Client().post(
        f"/api/v1/accounts/{account.pk}/orders",
        {"number": "SO-9", "ordered_on": "2026-03-01", "amount": "10.00"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(rep)[0]}", "Accept-Language": "en"},
    )
    assert answer.json()["errors"][0]["message"] == (
        "The customer's risk level is “High” (80 points): the credit policy allows prepayment "
        "only, so an order must belong to a prepayment contract."
    )
    assert not Order.objects.exists()


def test_imported_orders_go_through_the_policy(account, rep):
    set_level(account, "high", 90)
    buf = io.StringIO()
    csv.writer(buf).writerows(
        [
            ["订单编号", "档案号", "下单日期", "订单金额"],
            ["SO-1", account.archive_no, "2026-03-01", "5"],
        ]
    )
    result = imports.run_import(
        actor=rep, kind="orders", content=buf.getvalue().encode(), filename="x.csv"
    )
    assert not result.applied and not Order.objects.exists()
    assert [(e.column, e.rule) for e in result.errors][0][1] == "risk_prepayment_only"
    assert "信用政策只允许预付款" in result.errors[0].message
