"""The registry of measurable fields and their format rules.

A customer file is the golden record (:class:`Company`), the business unit's account, the
company's contacts and its attached documents. Each measurable field says how to tell it is
filled and, where the field has a format, which rule it must pass. The rules are the
project's own validators (``xinren.standards`` and the model fields' validators), called
here, never re-implemented: a value the entry forms would refuse is invalid here too.

A field's state for one record is one of MISSING, VALID (filled and passes its rule, or has
no rule), INVALID (filled, fails its rule) or NOT_APPLICABLE (e.g. a USCC for a natural
person or a foreign company: such a record is not asked for one)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import TYPES_WITHOUT_USCC, Company
from xinren.standards.codes import validate_industry_code, validate_region_code
from xinren.standards.idcard import id_problem
from xinren.standards.phone import normalize_phone
from xinren.standards.text import compact
from xinren.standards.uscc import is_valid_uscc

MISSING, VALID, INVALID, NOT_APPLICABLE = 0, 1, 2, 3

REQUIRED, OPTIONAL, OFF = "required", "optional", "off"


# --- rules: one function each, True when the value passes ------------------------------------
def _passes(check: Callable[[Any], Any], value: Any) -> bool:
    try:
        check(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def uscc_ok(value: str) -> bool:
    """GB 32100-2015: length, alphabet, authority/category and the check character."""
    return is_valid_uscc(value)


def id_number_ok(value: str) -> bool:
    """GB 11643-1999 resident ID number, check character included."""
    return id_problem(compact(value)) is None


def phone_ok(value: str) -> bool:
    """A mobile (11 digits, 13–19), a landline with area code, or a 400/800 number."""
    return _passes(normalize_phone, value)


@cache
def region_ok(value: str) -> bool:
    """A GB/T 2260 code (few distinct values: cached)."""
    return _passes(validate_region_code, value)


@cache
def industry_ok(value: str) -> bool:
    """A GB/T 4754-2017 code."""
    return _passes(validate_industry_code, value)


def email_ok(value: str) -> bool:
    return _passes(validate_email, value)


_url = URLValidator()


def url_ok(value: str) -> bool:
    return _passes(_url, value)


def model_field_ok(field_name: str) -> Callable[[Any], bool]:
    """The company model field's own validation (choices and validators, e.g. the size band
    list, a registered capital not below zero). Cached per value: few distinct values."""
    field = Company._meta.get_field(field_name)

    @cache
    def check(value: Any) -> bool:
        def run(v):
            field.validate(v, None)
            field.run_validators(v)

        return _passes(run, value)

    check.__name__ = f"{field_name}_ok"
    return check


@cache
def _today_at(minute: int) -> dt.date:
    return timezone.localdate()


def today() -> dt.date:
    """The local date, looked up once a minute (a refresh asks for it per record)."""
    return _today_at(int(time.time() // 60))


def not_future(value: dt.date) -> bool:
    """A founding date is not after today (the rule ``clean_company`` applies on entry)."""
    return value <= today()


def licence_current(expiry_dates: list[dt.date | None]) -> bool:
    """At least one business licence without an expiry date or not yet expired."""
    now = today()
    return any(d is None or d >= now for d in expiry_dates)


def all_pass(rule: Callable[[Any], bool]) -> Callable[[list], bool]:
    """For a field gathered from all contacts: every filled value passes."""

    def check(values: list) -> bool:
        return all(rule(v) for v in values)

    check.__name__ = f"all_{rule.__name__}"
    return check


# --- the registry -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasuredField:
    key: str
    label: Any  # lazy translation
    source: str  # company | account | contacts | documents
    default: str  # REQUIRED | OPTIONAL | OFF for the built-in profile
    rule: Callable[[Any], bool] | None = None
    applies: Callable[[dict], bool] | None = None

    @property
    def has_rule(self) -> bool:
        return self.rule is not None

    def state(self, value: Any, facts: dict) -> int:
        if self.applies is not None and not self.applies(facts):
            return NOT_APPLICABLE
        if value is None or value == "" or value == []:
            return MISSING
        if self.rule is not None and not self.rule(value):
            return INVALID
        return VALID


def _has_uscc_type(facts: dict) -> bool:
    return facts.get("entity_type") not in TYPES_WITHOUT_USCC


FIELDS: tuple[MeasuredField, ...] = (
    MeasuredField("uscc", _("统一社会信用代码"), "company", REQUIRED, uscc_ok, _has_uscc_type),
    MeasuredField("legal_rep", _("法定代表人"), "company", REQUIRED),
    MeasuredField(
        "legal_rep_id_number", _("法定代表人身份证号"), "company", OPTIONAL, id_number_ok
    ),
    MeasuredField("founded_on", _("成立日期"), "company", REQUIRED, not_future),
    MeasuredField(
        "registered_capital",
        _("注册资本"),
        "company",
        REQUIRED,
        model_field_ok("registered_capital"),
    ),
    MeasuredField("registered_address", _("注册地址"), "company", REQUIRED),
    MeasuredField("region_code", _("所在地区"), "company", REQUIRED, region_ok),
    MeasuredField("industry_code", _("所属行业"), "company", REQUIRED, industry_ok),
    MeasuredField("size_band", _("企业规模"), "company", REQUIRED, model_field_ok("size_band")),
    MeasuredField("main_business", _("主营业务"), "company", REQUIRED),
    MeasuredField("phone", _("公司电话"), "company", REQUIRED, phone_ok),
    MeasuredField("email", _("公司邮箱"), "company", OPTIONAL, email_ok),
    MeasuredField("website", _("网址"), "company", OPTIONAL, url_ok),
    MeasuredField("name_en", _("英文名称"), "company", OFF),
    MeasuredField("pain_points", _("痛点与需求"), "company", OPTIONAL),
    MeasuredField("source", _("客户来源"), "account", OPTIONAL),
    MeasuredField("service_team", _("服务团队"), "account", OPTIONAL),
    MeasuredField("contact", _("至少一位联系人"), "contacts", REQUIRED),
    MeasuredField(
        "contact_work_phone", _("联系人工作电话"), "contacts", REQUIRED, all_pass(phone_ok)
    ),
    MeasuredField(
        "contact_work_email", _("联系人工作邮箱"), "contacts", OPTIONAL, all_pass(email_ok)
    ),
    MeasuredField("decision_maker", _("决策者联系人"), "contacts", OPTIONAL),
    MeasuredField("business_licence", _("营业执照附件"), "documents", OPTIONAL, licence_current),
)

BY_KEY: dict[str, MeasuredField] = {f.key: f for f in FIELDS}
KEYS: tuple[str, ...] = tuple(BY_KEY)
COMPANY_COLUMNS: tuple[str, ...] = ("entity_type",) + tuple(
    f.key for f in FIELDS if f.source == "company"
)


def label(key: str) -> str:
    """The field's translated label (the key itself for a field no longer in the registry)."""
    field = BY_KEY.get(key)
    return str(field.label) if field else key


def default_required() -> list[str]:
    return [f.key for f in FIELDS if f.default == REQUIRED]


def default_optional() -> list[str]:
    return [f.key for f in FIELDS if f.default == OPTIONAL]
