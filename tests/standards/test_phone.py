"""Mainland China telephone numbers (xinren.standards.phone)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xinren.standards.phone import is_mobile, mask_phone, normalize_phone, phone_digits


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("19912345678", "19912345678"),
    ],
)
def test_mobile(raw, normal):
    assert normalize_phone(raw) == normal
    assert is_mobile(normal)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("010-12345678", "010-12345678"),
        ("(010)-12345678", "010-12345678"),
        ("020-87654321", "020-87654321"),
        ("075512345678", "0755-12345678"),
        ("07551234567", "0755-1234567"),
        ("0755-1234567", "0755-1234567"),
        ("0755-12345678", "0755-12345678"),
        ("0755 1234 5678", "0755-12345678"),
        ("+86 0755-12345678", "0755-12345678"),
        ("0755-12345678-801", "0755-12345678-801"),
        ("0755-12345678转801", "0755-12345678-801"),
        ("0755-12345678 ext. 801", "0755-12345678-801"),
        ("0755-12345678x801", "0755-12345678-801"),
    ],
)
def test_landline(raw, normal):
    assert normalize_phone(raw) == normal
    assert not is_mobile(normal)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("01012345678", "010-12345678"),
        ("(010)12345678", "010-12345678"),
        ("（010）12345678", "010-12345678"),
        ("02087654321", "020-87654321"),
        ("010 1234 5678", "010-12345678"),
    ],
)
def test_landline_three_digit_area_code_without_separator(raw, normal):
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("400-810-8888", "400-810-8888"),
        ("4008108888", "400-810-8888"),
        ("400 810 8888", "400-810-8888"),
        ("800-820-8820", "800-820-8820"),
    ],
)
def test_service_numbers(raw, normal):
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("1381234567", "mobile_format"),  # 10 digits
        ("138001380001", "mobile_format"),  # 12 digits
        ("12345678901", "mobile_format"),  # 12x is not a mobile prefix
        ("10086", "mobile_format"),
        ("023-0123456", "phone_format"),  # local number cannot start with 0
        ("0755-123456", "phone_format"),  # 6 digits
        ("0755-123456789", "phone_format"),  # 9 digits
        ("755-12345678", "phone_format"),  # area code without 0
        ("400-810-888", "phone_format"),
        ("abc", "phone_format"),
        ("", "phone_format"),
    ],
)
def test_rejects(raw, rule):
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw)
    [error] = info.value.error_dict["phone"]
    assert error.code == rule


def test_error_keyed_by_given_field():
    with pytest.raises(ValidationError) as info:
        normalize_phone("12345", field="work_phone")
    assert list(info.value.error_dict) == ["work_phone"]


def test_digits_and_mask():
    assert phone_digits("0755-12345678-801") == "075512345678801"
    assert phone_digits("") == ""
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0755-12345678") == "0755-****5678"
    assert mask_phone("") == ""
