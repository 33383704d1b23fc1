"""Survivorship rules of the merge: non-empty over empty, verified over unverified (registration
fields), newer over older, else the survivor; the user's choices override per field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from tests import factories
from xinren.customers import services as customer_services
from xinren.customers.models import Company
from xinren.quality.merging import (
    OTHER,
    REGISTRY_FIELDS,
    SURVIVOR,
    is_empty,
    prefer_newer,
    prefer_non_empty,
    prefer_verified,
    propose,
    resolve_choices,
    verification_level,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_each_rule():
    assert prefer_non_empty("", "021-1") == OTHER
    assert prefer_non_empty("021-1", None) == SURVIVOR
    assert prefer_non_empty("a", "b") is None and prefer_non_empty("", " ") is None
    assert prefer_verified("legal_rep", 2, 1) == SURVIVOR
    assert prefer_verified("legal_rep", 0, 1) == OTHER
    assert prefer_verified("legal_rep", 1, 1) is None
    assert prefer_verified("phone", 2, 0) is None  # a licence does not attest a phone number
    assert prefer_newer(T0, T0 + dt.timedelta(seconds=1)) == OTHER
    assert prefer_newer(T0, T0) is None


def _company(values: dict, updated: dt.datetime) -> Company:
    c = Company(**values)
    c.updated_at = updated
    return c


texts = st.one_of(st.just(""), st.sampled_from(["张三", "李四", "王五"]))
capital = st.one_of(st.none(), st.sampled_from([Decimal("100.00"), Decimal("5000.00")]))
records = st.fixed_dictionaries(
    {
        "legal_rep": texts,  # a registration field
        "registered_capital": capital,  # a registration field, not text
        "main_business": texts,  # not one
        "phone": texts,
    }
)
times = st.integers(min_value=0, max_value=3).map(lambda n: T0 + dt.timedelta(days=n))
levels = st.integers(min_value=0, max_value=2)


@given(records, records, times, times, levels, levels)
def test_proposal_properties(s_vals, o_vals, s_time, o_time, s_level, o_level):
    s, o = _company(s_vals, s_time), _company(o_vals, o_time)
    picks = {p.field: p for p in propose(s, o, levels=(s_level, o_level))}
    swapped = {p.field: p for p in propose(o, s, levels=(o_level, s_level))}
    for name in s_vals:
        p = picks[name]
        value = p.survivor_value if p.pick == SURVIVOR else p.other_value
        sv, ov = s_vals[name], o_vals[name]
        # The kept value is one of the two, and never empty when one of them is filled.
        assert value in (sv, ov)
        if not (is_empty(sv) and is_empty(ov)):
            assert not is_empty(value)
        if sv == ov or (is_empty(sv) and is_empty(ov)):
            assert p.reason == "same" and p.pick == SURVIVOR
            continue
        if is_empty(sv) or is_empty(ov):
            assert p.reason == "non_empty"
        elif name in REGISTRY_FIELDS and s_level != o_level:
            assert p.reason == "verified"
            assert value == (sv if s_level > o_level else ov)
        elif s_time != o_time:
            assert p.reason == "newer"
            assert value == (sv if s_time > o_time else ov)
        else:
            assert p.reason == "survivor" and value == sv
        # Which record is called the survivor does not change a rule's answer.
        if p.reason != "survivor":
            q = swapped[name]
            assert (q.survivor_value if q.pick == SURVIVOR else q.other_value) == value
            assert q.reason == p.reason


@given(
    records,
    records,
    st.dictionaries(st.sampled_from(["legal_rep", "phone"]), st.sampled_from([SURVIVOR, OTHER])),
)
def test_choices_override_the_proposal(s_vals, o_vals, choices):
    proposals = propose(_company(s_vals, T0), _company(o_vals, T0), levels=(1, 1))
    resolved = resolve_choices(proposals, choices)
    for p in proposals:
        assert resolved[p.field] == choices.get(p.field, p.pick)


def test_bad_choices_name_the_field():
    proposals = propose(_company({}, T0), _company({}, T0), levels=(0, 0))
    with pytest.raises(ValidationError) as exc:
        resolve_choices(proposals, {"version": OTHER})
    assert exc.value.error_dict["choices.version"][0].code == "unknown_field"
    with pytest.raises(ValidationError) as exc:
        resolve_choices(proposals, {"phone": "mine"})
    assert exc.value.error_dict["choices.phone"][0].code == "choice"


@pytest.mark.django_db
def test_verification_level(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rep = factories.make_user(org.a_sales, "sales_rep")
    company = factories.make_customer(rep).company
    assert verification_level(company) == 1
    customer_services.upload_document(
        actor=rep,
        company=company,
        file=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4\n%%EOF\n"),
        doc_type="business_licence",
    )
    assert verification_level(company) == 2
    broken = Company(uscc=company.uscc[:-1] + ("0" if company.uscc[-1] != "0" else "1"))
    assert verification_level(broken, has_licence=True) == 0  # checksum fails
    assert verification_level(Company(uscc=None), has_licence=True) == 0
