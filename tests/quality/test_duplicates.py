"""The duplicate check on entry: each reason, score order, limit, the exact-USCC rule, input
errors, query count independent of the master's size, and the keys kept in step."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from xinren.customers import services as customer_services
from xinren.quality.models import CompanyKey
from xinren.quality.selectors import duplicate_candidates


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def other(org):
    return factories.make_user(org.b_sales, "sales_rep", username="other")


def _codes(candidate) -> set[str]:
    return {r.code for r in candidate.reasons}


def test_same_uscc_is_an_exact_duplicate(rep):
    account = factories.make_customer(rep, name="信达宏远科技有限公司")
    uscc = account.company.uscc
    [c] = duplicate_candidates(rep, name="完全不同的名字", uscc=uscc.lower())
    assert c.score == 100 and c.exact and "same_uscc" in _codes(c)
    assert c.visible and c.company_id == account.company_id
    # ... and the existing rule still refuses to create it.
    with pytest.raises(ValidationError) as err:
        factories.make_customer(rep, name="另一个名字有限公司", uscc=uscc)
    assert err.value.error_dict["uscc"][0].code == "duplicate"


def test_a_partial_uscc_finds_nothing_yet(rep):
    account = factories.make_customer(rep, name="信达宏远科技有限公司")
    assert duplicate_candidates(rep, uscc=account.company.uscc[:10]) == []


def test_same_normalised_name(rep):
    account = factories.make_customer(rep, name="上海华为技术有限公司", region_code="110101")
    [c] = duplicate_candidates(rep, name="华为技术（深圳）有限公司")
    assert "same_name" in _codes(c) and c.score >= 90 and not c.exact
    assert c.company_id == account.company_id and c.region


def test_same_pinyin(rep):
    factories.make_customer(rep, name="美的电器有限公司")
    [c] = duplicate_candidates(rep, name="美得电器")
    assert _codes(c) == {"same_pinyin"} and c.score == 80


def test_similar_name_and_same_region(rep):
    factories.make_customer(rep, name="信达宏远科技有限公司", region_code="110101")
    [c] = duplicate_candidates(rep, name="信达宏远科枝有限公司", region_code="110108")
    assert _codes(c) == {"similar_name_region"} and 70 <= c.score < 90
    # Without a shared region the same similarity weighs less.
    [alone] = duplicate_candidates(rep, name="信达宏远科枝有限公司", region_code="440300")
    assert _codes(alone) == {"similar_name"} and alone.score < c.score


def test_same_phone_of_company_or_contact(rep):
    a = factories.make_customer(rep, name="恒泰物流有限公司", phone="13812345678")
    b = factories.make_customer(rep, name="锐思博数据有限公司")
    customer_services.create_contact(
        actor=rep, company=b.company, data={"name": "王五", "work_phone": "13812345678"}
    )
    found = duplicate_candidates(rep, phone="138 1234 5678")
    assert {c.company_id for c in found} == {a.company_id, b.company_id}
    assert all(_codes(c) == {"same_phone"} and c.score == 75 for c in found)


def test_reasons_add_up_and_order_and_limit(rep):
    exact = factories.make_customer(rep, name="智能云创有限公司", phone="13900001111")
    same = factories.make_customer(rep, name="北京智能云创有限公司", phone="13900001111")
    for i in range(6):
        factories.make_customer(rep, name=f"智能云创{'科技网络软件数据能源医药'[i]}有限公司")
    found = duplicate_candidates(
        rep, name="智能云创有限公司", uscc=exact.company.uscc, phone="13900001111", limit=3
    )
    assert len(found) == 3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert found[0].company_id == exact.company_id and found[0].score == 100
    assert found[1].company_id == same.company_id
    assert _codes(found[1]) >= {"same_name", "same_phone"} and 90 < found[1].score < 100
    assert len(duplicate_candidates(rep, name="智能云创有限公司", limit=20)) == 8


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({}, "name", "required"),
        ({"name": "华" * 201}, "name", "max_length"),
        ({"uscc": "91310000MA1FL0IO0X"}, "uscc", "format"),
        ({"uscc": "9" * 19}, "uscc", "format"),
        ({"phone": "12ab"}, "phone", "format"),
        ({"phone": "123"}, "phone", "format"),
        ({"name": "华为", "region_code": "999999"}, "region_code", "region_code"),
        ({"name": "华为", "limit": 0}, "limit", "range"),
        ({"name": "华为", "limit": 21}, "limit", "range"),
    ],
)
def test_bad_input_names_field_and_rule(rep, kwargs, field, rule):
    with pytest.raises(ValidationError) as err:
        duplicate_candidates(rep, **kwargs)
    assert err.value.error_dict[field][0].code == rule


def test_only_users_who_may_create_customers_ask(org):
    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    with pytest.raises(PermissionDenied):
        duplicate_candidates(agent, name="华为技术")


@pytest.mark.parametrize("size", [2, 25])
def test_query_count_does_not_grow_with_the_master(rep, other, size, django_assert_max_num_queries):
    for i in range(size):
        factories.make_customer(other, name=f"信达宏远{i}号科技有限公司", phone=f"139{i:08d}")
    target = factories.make_customer(other, name="信达宏远科技有限公司", phone="13812345678")
    with django_assert_max_num_queries(16):
        found = duplicate_candidates(
            rep,
            name="信达宏远科技有限公司",
            uscc=target.company.uscc,
            phone="13812345678",
            region_code="110101",
            limit=20,
        )
    assert found[0].exact and not found[0].visible


def test_keys_follow_create_update_and_delete(rep, admin):
    account = factories.make_customer(rep, name="恒泰能源有限公司", phone="13812345678")
    company = account.company
    key = CompanyKey.objects.get(pk=company.pk)
    assert (key.name_key, key.phone_digits) == ("恒泰能源", "13812345678")
    customer_services.update_company(
        actor=rep,
        company=company,
        data={"name": "上海恒泰医药集团有限公司", "phone": "13900001111"},
        expected_version=company.version,
    )
    key.refresh_from_db()
    assert (key.name_key, key.phone_digits) == ("恒泰医药", "13900001111")
    assert duplicate_candidates(rep, name="恒泰医药")[0].company_id == company.pk
    customer_services.delete_company(actor=admin, company=company)
    assert not CompanyKey.objects.filter(pk=company.pk).exists()


def test_backfill_writes_missing_keys_only(rep):
    from xinren.quality.services import backfill_keys

    account = factories.make_customer(rep, name="恒泰能源有限公司")
    CompanyKey.objects.all().delete()
    assert backfill_keys() == 1 and backfill_keys() == 0
    assert CompanyKey.objects.get(pk=account.company_id).name_key == "恒泰能源"
