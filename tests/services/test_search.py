"""One search box: Chinese substrings of any length, pinyin, contacts, codes — within scope."""

import pytest

from tests import factories
from xinren.customers import services
from xinren.customers.selectors import search_companies


@pytest.fixture
def world(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    other = factories.make_user(org.b_sales, "sales_rep")
    hw = factories.make_customer(rep, name="深圳市华为技术有限公司")
    md = factories.make_customer(rep, name="美的集团股份有限公司")
    services.create_contact(
        actor=rep, company=md.company, data={"name": "欧阳娜娜", "work_phone": "13912345678"}
    )
    hidden = factories.make_customer(other, name="华为终端（东莞）有限公司")
    return rep, hw, md, hidden


def names(user, q):
    return sorted(c.name for c in search_companies(user, q))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q", ["华", "华为", "华为技", "华为技术", "hw", "HW", "huawei", "hwjs", "szshw", "ｈｕａｗｅｉ"]
)
def test_name_queries(world, q):
    assert names(world[0], q) == ["深圳市华为技术有限公司"]


@pytest.mark.django_db
def test_out_of_scope_never_found(world):
    rep, *_ = world
    assert "华为终端（东莞）有限公司" not in names(rep, "华为")
    assert names(rep, "东莞") == []


@pytest.mark.django_db
def test_contact_name_phone_codes(world):
    rep, hw, md, _ = world
    assert names(rep, "欧阳") == ["美的集团股份有限公司"]
    assert names(rep, "1391234") == ["美的集团股份有限公司"]
    assert names(rep, hw.company.uscc[:12]) == ["深圳市华为技术有限公司"]
    assert names(rep, hw.company.uscc.lower()) == ["深圳市华为技术有限公司"]
    assert names(rep, md.archive_no) == ["美的集团股份有限公司"]


@pytest.mark.django_db
def test_not_a_substring_is_not_found(world):
    assert names(world[0], "为华") == []
    assert names(world[0], "技华") == []


@pytest.mark.django_db
def test_index_follows_renames_and_deletes(world):
    rep, hw, *_ = world
    company = hw.company
    services.update_company(
        actor=rep,
        company=company,
        data={"name": "深圳市鸿蒙科技有限公司"},
        expected_version=company.version,
    )
    assert names(rep, "华为") == []
    assert names(rep, "鸿蒙") == ["深圳市鸿蒙科技有限公司"]
    assert names(rep, "hm") == ["深圳市鸿蒙科技有限公司"]


@pytest.mark.django_db
def test_hostile_query_text_is_harmless(world):
    for q in ['"', '华"为', "* OR 1=1", "NEAR(", "'; DROP TABLE x;--", "\\", "AND", "：", "%", "_"]:
        list(search_companies(world[0], q))


@pytest.mark.django_db
def test_phrase_needs_adjacent_pairs(world):
    rep, *_ = world
    factories.make_customer(rep, name="上海海上科技有限公司")
    # 上海 and 海上 are both in the name, but not one after the other
    assert names(rep, "上海上") == []
    assert names(rep, "海海上") == ["上海海上科技有限公司"]
    assert names(rep, "海上科技") == ["上海海上科技有限公司"]


@pytest.mark.django_db
def test_gram_rows_follow_the_company(world):
    from django.db import connection

    from xinren.customers import search

    rep, hw, *_ = world
    company = hw.company

    def grams():
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT gram FROM {search.GRAM_TABLE} WHERE company_id = %s"
                " AND gram IN ('华', '华为', '鸿', '鸿蒙')",
                [company.pk],
            )
            return sorted(r[0] for r in cur.fetchall())

    assert grams() == ["华", "华为"]
    services.update_company(
        actor=rep,
        company=company,
        data={"name": "深圳市鸿蒙科技有限公司"},
        expected_version=company.version,
    )
    assert grams() == ["鸿", "鸿蒙"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    [
        "华为技术（深圳）有限公司",  # region in brackets instead of in front
        "深圳华为技术股份有限公司",  # another legal form
        "华为技术有限责任公司",
        "华为技术（深圳）",  # full-width brackets, no legal form
    ],
)
def test_a_registered_name_written_differently_is_found_by_its_normalised_core(world, q):
    assert names(world[0], q) == ["深圳市华为技术有限公司"]


@pytest.mark.django_db
def test_the_core_is_only_a_fallback_and_stays_in_scope(world):
    rep, *_ = world
    # found as typed: no widening to the core (美的) and its other companies
    factories.make_customer(rep, name="美的电器有限公司")
    assert names(rep, "美的集团股份有限公司") == ["美的集团股份有限公司"]
    # the core of another subsidiary's customer finds nothing the rep may not see
    assert names(rep, "华为终端有限公司") == []
