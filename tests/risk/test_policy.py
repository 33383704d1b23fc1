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


# --- the certificate follows: the stricter of the level's policy and the certificate ---------
def certify(account, status="conditional", valid_days=180, decided_days_ago=1, **conditions):
    """An application decided ``decided_days_ago`` days ago; approved/conditional ones are
    certificates valid for ``valid_days`` more days (negative: expired)."""
    from xinren.kyc.models import Application

    decided = status in ("approved", "conditional", "rejected")
    return Application.objects.create(
        account=account,
        status=status,
        reason="" if status == "approved" else "经营年限短",
        decided_at=timezone.now() - dt.timedelta(days=decided_days_ago) if decided else None,
        valid_until=(
            timezone.localdate() + dt.timedelta(days=valid_days)
            if status in ("approved", "conditional")
            else None
        ),
        **conditions,
    )


def test_conditional_prepayment_refuses_credit_contract_and_loose_order(account, rep):
    cert = certify(account, prepayment_required=True)
    item = refusal(lambda: sales.create_contract(actor=rep, account=account, data=contract()))
    assert (item["field"], item["rule"]) == ("payment_terms", "cert_prepayment_only")
    until = f"{cert.valid_until:%Y-%m-%d}"
    assert item["message"] == (
        f"认证有条件通过（#{cert.pk}，有效期至 {until}）：须预付款，不能签账期合同。"
    )
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert (item["field"], item["rule"]) == ("contract_id", "cert_prepayment_only")
    assert "须预付款，订单须关联预付款合同" in item["message"]
    assert not Contract.objects.exists() and not Order.objects.exists()
    # Prepayment business goes through, like a high-risk customer's.
    pre = sales.create_contract(
        actor=rep, account=account, data=contract(payment_terms="prepayment", credit_days=None)
    )
    sales.create_order(actor=rep, account=account, data=order(contract_id=pre.pk))
    assert Order.objects.count() == 1


def test_certificate_credit_days_and_limit_cap_a_low_risk_account(account, rep):
    set_level(account, "low", 5)  # low: no limits of its own (system default)
    certify(account, credit_days=20, credit_limit=Decimal("50000"))
    item = refusal(
        lambda: sales.create_contract(actor=rep, account=account, data=contract(credit_days=21))
    )
    assert (item["field"], item["rule"]) == ("credit_days", "cert_credit_days")
    assert "信用天数最长 20 天" in item["message"] and "认证有条件通过" in item["message"]
    item = refusal(
        lambda: sales.create_contract(
            actor=rep, account=account, data=contract(credit_days=20, amount=Decimal("50000.01"))
        )
    )
    assert (item["field"], item["rule"]) == ("amount", "cert_credit_limit")
    sales.create_contract(
        actor=rep, account=account, data=contract(credit_days=20, amount=Decimal("50000"))
    )
    # Orders: receivables plus the order within the certificate's limit.
    sales.create_order(actor=rep, account=account, data=order("SO-1", "40000.00"))
    sales.create_milestone(
        actor=rep, account=account, data={"due_on": dt.date(2026, 3, 1), "amount": "40000.00"}
    )
    item = refusal(
        lambda: sales.create_order(actor=rep, account=account, data=order("SO-2", "10000.01"))
    )
    assert (item["field"], item["rule"]) == ("amount", "cert_credit_limit")
    assert "应收余额 40000.00 元加本单 10000.01 元超过信用额度 50000.00 元" in item["message"]
    sales.create_order(actor=rep, account=account, data=order("SO-3", "10000.00"))


def test_the_stricter_of_level_and_certificate_binds(account, rep):
    # medium (system default): 30 days, 500,000. The certificate is looser on days, stricter
    # on the limit: days are the level's rule, the limit the certificate's.
    set_level(account, "medium", 40)
    certify(account, credit_days=60, credit_limit=Decimal("100000"))
    item = refusal(
        lambda: sales.create_contract(actor=rep, account=account, data=contract(credit_days=45))
    )
    assert (item["field"], item["rule"]) == ("credit_days", "risk_credit_days")
    item = refusal(
        lambda: sales.create_contract(
            actor=rep, account=account, data=contract(amount=Decimal("200000"))
        )
    )
    assert (item["field"], item["rule"]) == ("amount", "cert_credit_limit")
    # high (prepayment only) binds before an unconditional certificate, and before a
    # certificate's own prepayment condition: the level's rule is named.
    set_level(account, "high", 75)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert item["rule"] == "risk_prepayment_only"
    # Equal caps: the level's rule is named.
    set_level(account, "medium", 40)
    from xinren.kyc.models import Application

    Application.objects.update(credit_days=30, credit_limit=None)
    item = refusal(
        lambda: sales.create_contract(actor=rep, account=account, data=contract(credit_days=31))
    )
    assert item["rule"] == "risk_credit_days"


def test_expired_certificate_no_longer_applies(account, rep):
    certify(account, valid_days=-1, prepayment_required=True, credit_days=5)
    sales.create_contract(actor=rep, account=account, data=contract(credit_days=30))
    sales.create_order(actor=rep, account=account, data=order())
    assert Order.objects.count() == 1


def turn_on(unit, on=True):
    from xinren.orgs.models import User

    admin = User.objects.filter(username="root").first() or factories.make_superuser()
    return services.set_certificate_required(actor=admin, business_unit=unit, required=on)


def test_certificate_required_refuses_uncertified_expired_and_rejected(account, rep, org):
    # Off (the default): an uncertified account contracts as before.
    sales.create_contract(actor=rep, account=account, data=contract(number="HT-0"))
    turn_on(org.sub_a)
    for attempt in (
        lambda: sales.create_contract(actor=rep, account=account, data=contract()),
        lambda: sales.create_order(actor=rep, account=account, data=order()),
    ):
        item = refusal(attempt)
        assert (item["field"], item["rule"]) == ("account_id", "certificate_required")
        assert "签约前须通过认证" in item["message"] and "未认证或已过期" in item["message"]
    # An order under an existing contract was vetted with the contract: it goes through.
    existing = Contract.objects.get(number="HT-0")
    sales.create_order(actor=rep, account=account, data=order("SO-0", contract_id=existing.pk))
    # An expired certificate is no certificate.
    certify(account, status="approved", valid_days=-1, decided_days_ago=400)
    assert refusal(lambda: sales.create_contract(actor=rep, account=account, data=contract()))[
        "rule"
    ] == ("certificate_required")
    # A certificate in force lets business through.
    cert = certify(account, status="approved", valid_days=200, decided_days_ago=2)
    sales.create_contract(actor=rep, account=account, data=contract())
    # A later rejection (re-certification refused) withdraws it.
    rejected = certify(account, status="rejected", decided_days_ago=0)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order("SO-5")))
    assert (item["field"], item["rule"]) == ("account_id", "certificate_required")
    assert f"认证申请 #{rejected.pk} 已被拒绝" in item["message"]
    assert cert.pk != rejected.pk
    # Off again: business as before.
    turn_on(org.sub_a, False)
    sales.create_order(actor=rep, account=account, data=order("SO-6"))


def test_certificate_required_group_default_and_subsidiary_override(account, rep, org):
    from xinren.risk.policy import certificate_required

    assert not certificate_required(org.sub_a.pk)  # nothing set: off
    turn_on(org.hq)
    assert certificate_required(org.sub_a.pk) and certificate_required(org.sub_b.pk)
    assert refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))[
        "rule"
    ] == ("certificate_required")
    turn_on(org.sub_a, False)  # the subsidiary's own setting wins
    assert not certificate_required(org.sub_a.pk) and certificate_required(org.sub_b.pk)
    sales.create_order(actor=rep, account=account, data=order())


def test_certificate_required_setting_needs_configure_in_scope(org):
    sub_admin = factories.make_user(org.sub_b, "subsidiary_admin")
    rep = factories.make_user(org.a_sales, "sales_rep")
    with pytest.raises(PermissionDenied):
        services.set_certificate_required(actor=rep, business_unit=org.sub_a, required=True)
    with pytest.raises(PermissionDenied):
        services.set_certificate_required(actor=sub_admin, business_unit=org.sub_a, required=True)
    services.set_certificate_required(actor=sub_admin, business_unit=org.sub_b, required=True)
    from xinren.audit.models import ChangeLog
    from xinren.risk.models import CreditSetting

    setting = CreditSetting.objects.get(business_unit=org.sub_b)
    assert setting.certificate_required
    assert ChangeLog.objects.filter(entity="risk.creditsetting", object_id=str(setting.pk)).exists()


def api_post(rep, path, body, language="zh-hans"):
    return Client().post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(rep)[0]}", "Accept-Language": language},
    )


CONTRACT_JSON = {
    "number": "HT-9",
    "title": "年度供货合同",
    "signed_on": "2026-01-05",
    "start_on": "2026-01-10",
    "end_on": "2026-12-31",
    "amount": "120000.00",
    "payment_terms": "credit",
    "credit_days": 30,
}


@pytest.mark.parametrize(
    ("conditions", "path", "body", "field", "rule"),
    [
        ({"prepayment_required": True}, "contracts", CONTRACT_JSON, "payment_terms",
         "cert_prepayment_only"),
        ({"prepayment_required": True}, "orders", None, "contract_id", "cert_prepayment_only"),
        ({"credit_days": 10}, "contracts", CONTRACT_JSON, "credit_days", "cert_credit_days"),
        ({"credit_limit": Decimal("1000")}, "contracts", CONTRACT_JSON, "amount",
         "cert_credit_limit"),
        ({"credit_limit": Decimal("5")}, "orders", None, "amount", "cert_credit_limit"),
    ],
)  # fmt: skip
def test_api_refuses_by_certificate_naming_field_and_rule(
    account, rep, conditions, path, body, field, rule
):
    certify(account, **conditions)
    body = body or {"number": "SO-9", "ordered_on": "2026-03-01", "amount": "10.00"}
    answer = api_post(rep, f"/accounts/{account.pk}/{path}", body)
    assert answer.status_code == 422
    (err,) = answer.json()["errors"]
    assert (err["field"], err["rule"]) == (field, rule)
    assert "认证有条件通过" in err["message"]
    assert not Contract.objects.exists() and not Order.objects.exists()


def test_api_refuses_uncertified_account_when_required_in_english(account, rep, org):
    turn_on(org.sub_a)
    answer = api_post(rep, f"/accounts/{account.pk}/contracts", CONTRACT_JSON, language="en")
    assert answer.status_code == 422
    (err,) = answer.json()["errors"]
    assert (err["field"], err["rule"]) == ("account_id", "certificate_required")
    assert "certif" in err["message"].lower()
    cert = certify(account, prepayment_required=True)
    answer = api_post(rep, f"/accounts/{account.pk}/contracts", CONTRACT_JSON, language="en")
    (err,) = answer.json()["errors"]
    assert err["rule"] == "cert_prepayment_only"
    assert f"#{cert.pk}" in err["message"] and "prepayment" in err["message"].lower()
    assert not Contract.objects.exists()


def test_risk_panel_shows_certificate_conditions_and_setting(account, rep, org):
    client = Client()
    client.force_login(rep)
    page = client.get(f"/risk/accounts/{account.pk}/").content.decode()
    assert 'data-testid="certificate-none"' in page
    assert "本公司未要求签约前须通过认证" in page
    turn_on(org.sub_a)
    cert = certify(account, prepayment_required=True, credit_days=15, credit_limit=Decimal("8000"))
    page = client.get(f"/risk/accounts/{account.pk}/").content.decode()
    assert f"#{cert.pk}" in page and f"有效期至 {cert.valid_until:%Y-%m-%d}" in page
    assert "须预付款；信用天数最长 15 天；信用额度 8000.00 元" in page
    assert "本公司要求签约前须通过认证：已满足" in page


def test_policy_page_saves_certificate_required(org):
    admin = factories.make_superuser()
    client = Client()
    client.force_login(admin)
    data = {"unit": org.sub_a.pk, "certificate_required": "on"}
    for level in ("low", "medium", "high"):
        data.update({f"{level}-max_credit_days": "", f"{level}-credit_limit": ""})
    assert client.post("/risk/policy/", data).status_code == 302
    from xinren.risk.policy import certificate_required

    assert certificate_required(org.sub_a.pk)
    page = client.get(f"/risk/policy/?unit={org.sub_a.pk}").content.decode()
    assert 'name="certificate_required" data-testid="certificate-required" checked' in page
    data.pop("certificate_required")
    client.post("/risk/policy/", data)
    assert not certificate_required(org.sub_a.pk)


def test_imported_orders_need_the_certificate_when_required(account, rep, org):
    turn_on(org.sub_a)
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
    (error,) = result.errors
    assert (error.column, error.rule) == ("档案号", "certificate_required")


def test_a_rejected_recertification_loosens_nothing(account, rep, org):
    """Setting off: the earlier conditional certificate's prepayment still applies after a
    later rejection; the panel shows both."""
    cert = certify(account, prepayment_required=True, decided_days_ago=30)
    rejected = certify(account, status="rejected", decided_days_ago=1)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert item["rule"] == "cert_prepayment_only"
    client = Client()
    client.force_login(rep)
    page = client.get(f"/risk/accounts/{account.pk}/").content.decode()
    assert f"#{cert.pk}" in page and f"认证申请 #{rejected.pk} 已被拒绝" in page
    turn_on(org.sub_a)
    item = refusal(lambda: sales.create_order(actor=rep, account=account, data=order()))
    assert (item["field"], item["rule"]) == ("account_id", "certificate_required")


def test_api_shows_the_level_policy_and_the_certificate_conditions(account, rep, org):
    from tests.apis.conftest import ApiClient
    from xinren.orgs.auth import issue_token

    client = ApiClient(issue_token(rep)[0])
    body = client.get(f"/risk/accounts/{account.pk}").json()
    assert body["policy"]["level"] == "low"  # not scored yet: low
    assert body["certification"] == {
        "certificate": None,
        "rejected_application_id": None,
        "required": False,
        "in_force": False,
    }
    set_level(account, "high", 70)
    turn_on(org.sub_a)
    cert = certify(account, prepayment_required=True, credit_days=15, credit_limit=Decimal("8000"))
    body = client.get(f"/risk/accounts/{account.pk}").json()
    assert body["policy"] == {
        "level": "high",
        "prepayment_only": True,
        "max_credit_days": None,
        "credit_limit": None,
        "source": "default",
    }
    assert body["certification"] == {
        "certificate": {
            "application_id": cert.pk,
            "status": "conditional",
            "valid_until": f"{cert.valid_until:%Y-%m-%d}",
            "prepayment_required": True,
            "credit_days": 15,
            "credit_limit": "8000.00",
        },
        "rejected_application_id": None,
        "required": True,
        "in_force": True,
    }
    rejected = certify(account, status="rejected", decided_days_ago=0)
    body = client.get(f"/risk/accounts/{account.pk}").json()
    assert body["certification"]["rejected_application_id"] == rejected.pk
    assert body["certification"]["in_force"] is False
    # Lists stay light.
    (item,) = client.get("/risk/accounts", level="high").json()["items"]
    assert item["policy"] is None and item["certification"] is None
