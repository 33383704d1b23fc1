"""Bad company input is refused naming the field and the rule, and nothing is stored."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.customers import services
from xinren.customers.models import Company, CustomerAccount
from xinren.standards.uscc import check_character


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep")


def _refused(rep, company: dict, field: str, rule: str):
    before = (Company.objects.count(), CustomerAccount.objects.count(), ChangeLog.objects.count())
    with pytest.raises(ValidationError) as info:
        services.create_customer(actor=rep, company=company)
    errors = info.value.error_dict
    assert field in errors, errors
    assert rule in [e.code for e in errors[field]]
    assert (
        Company.objects.count(),
        CustomerAccount.objects.count(),
        ChangeLog.objects.count(),
    ) == before


def _wrong_check(code: str) -> str:
    wrong = "0" if code[17] != "0" else "1"
    return code[:17] + wrong


@pytest.mark.django_db
def test_wrong_check_character(rep):
    _refused(
        rep, {"name": "甲公司", "uscc": _wrong_check(factories.valid_uscc())}, "uscc", "uscc_check"
    )


@pytest.mark.django_db
def test_wrong_length(rep):
    _refused(rep, {"name": "甲公司", "uscc": factories.valid_uscc()[:17]}, "uscc", "uscc_length")


@pytest.mark.django_db
@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters(rep, letter):
    code = factories.valid_uscc()
    _refused(
        rep, {"name": "甲公司", "uscc": code[:10] + letter + code[11:]}, "uscc", "uscc_charset"
    )


@pytest.mark.django_db
def test_unknown_registration_authority(rep):
    body = "B1440300" + "MA5F00001"
    _refused(
        rep, {"name": "甲公司", "uscc": body + check_character(body)}, "uscc", "uscc_authority"
    )


@pytest.mark.django_db
def test_enterprise_needs_uscc_but_individual_does_not(rep):
    _refused(rep, {"name": "甲公司", "uscc": ""}, "uscc", "required")
    account = services.create_customer(
        actor=rep, company={"name": "张三", "uscc": "", "entity_type": "individual"}
    )
    assert account.company.uscc is None


@pytest.mark.django_db
def test_uscc_is_normalised(rep):
    code = factories.valid_uscc()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    account = services.create_customer(
        actor=rep, company={"name": "甲公司", "uscc": f" {fullwidth[:9]} {fullwidth[9:]} "}
    )
    assert account.company.uscc == code


@pytest.mark.django_db
def test_duplicate_uscc_refused(rep):
    code = factories.valid_uscc()
    factories.make_customer(rep, uscc=code)
    _refused(rep, {"name": "乙公司", "uscc": code.lower()}, "uscc", "duplicate")


@pytest.mark.django_db
def test_bad_phone_and_id_and_dates(rep):
    base = {"name": "甲公司", "uscc": factories.valid_uscc()}
    _refused(rep, {**base, "phone": "1381234567"}, "phone", "mobile_format")
    _refused(
        rep,
        {**base, "legal_rep_id_number": "11010519491231002X"[:17] + "1"},
        "legal_rep_id_number",
        "id_check",
    )
    _refused(
        rep,
        {**base, "founded_on": dt.date.today() + dt.timedelta(days=3)},
        "founded_on",
        "future_date",
    )
    _refused(rep, {**base, "region_code": "999999"}, "region_code", "region_code")
    _refused(rep, {**base, "registered_capital": -5}, "registered_capital", "min_value")


@pytest.mark.django_db
def test_unknown_field_refused(rep):
    _refused(
        rep,
        {"name": "甲公司", "uscc": factories.valid_uscc(), "password": "x"},
        "password",
        "unknown_field",
    )
