"""The format rules of the measurable fields: each one is the project's own validator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import valid_uscc
from xinren.customers.models import EntityType
from xinren.quality.measures import fields as F
from xinren.standards.idcard import id_check_character


def test_uscc_rule_checks_the_check_character():
    good = valid_uscc()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert F.uscc_ok(good)
    assert not F.uscc_ok(wrong)
    assert not F.uscc_ok(good[:17])


def test_id_number_rule():
    first17 = "11010519491231002"
    assert F.id_number_ok(first17 + id_check_character(first17))
    assert not F.id_number_ok(first17 + ("0" if id_check_character(first17) != "0" else "1"))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("13812345678", True),
        ("0755-12345678", True),
        ("400-800-1234", True),
        ("1381234567", False),
        ("12345", False),
    ],
)
def test_phone_rule(value, ok):
    assert F.phone_ok(value) is ok


def test_code_rules():
    assert F.region_ok("440300") and not F.region_ok("999999")
    assert F.industry_ok("C") and not F.industry_ok("Z99")


def test_email_url_and_model_rules():
    assert F.email_ok("a@example.cn") and not F.email_ok("not-an-email")
    assert F.url_ok("https://example.cn") and not F.url_ok("example")
    size = F.BY_KEY["size_band"].rule
    assert size("500+") and not size("huge")
    capital = F.BY_KEY["registered_capital"].rule
    assert capital(Decimal("100")) and not capital(Decimal("-1"))


def test_date_and_licence_rules():
    today = timezone.localdate()
    assert F.not_future(today) and not F.not_future(today + dt.timedelta(days=1))
    assert F.licence_current([None]) and F.licence_current([today])
    assert not F.licence_current([today - dt.timedelta(days=1)])


def test_contact_fields_need_every_value_to_pass():
    rule = F.BY_KEY["contact_work_phone"].rule
    assert rule(["13812345678", "0755-12345678"])
    assert not rule(["13812345678", "123"])


def test_states():
    uscc = F.BY_KEY["uscc"]
    facts = {"entity_type": EntityType.ENTERPRISE}
    assert uscc.state("", facts) == F.MISSING
    assert uscc.state(valid_uscc(), facts) == F.VALID
    assert uscc.state("123", facts) == F.INVALID
    # A natural person or a foreign company is not asked for a USCC.
    assert uscc.state("", {"entity_type": EntityType.FOREIGN}) == F.NOT_APPLICABLE
    assert F.BY_KEY["legal_rep"].state("张三", facts) == F.VALID  # no rule: filled is valid


def test_registry_labels_and_defaults():
    assert len(F.KEYS) == len(set(F.KEYS))
    assert F.label("uscc") == "统一社会信用代码"
    assert set(F.default_required()).isdisjoint(F.default_optional())
    assert "contact_work_phone" in F.default_required()
