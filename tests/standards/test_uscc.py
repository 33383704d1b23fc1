"""Unified Social Credit Code, GB 32100-2015 (xinren.standards.uscc)."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from xinren.standards.codes import regions
from xinren.standards.uscc import (
    ALPHABET,
    CATEGORIES,
    WEIGHTS,
    check_character,
    generate_uscc,
    is_valid_uscc,
    normalize_uscc,
    org_code_check,
    uscc_problem,
    validate_uscc,
)

# Real codes printed on business licences.
REAL = ["91110000802100433B", "91440300708461136T", "914403001922038216"]


def _rule(code: str) -> str | None:
    problem = uscc_problem(code)
    return problem[0] if problem else None


def test_alphabet_and_weights():
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)
    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_validate(code):
    assert uscc_problem(code) is None
    assert check_character(code[:17]) == code[17]
    assert validate_uscc(code) == code
    assert is_valid_uscc(code)


@pytest.mark.parametrize("code", REAL)
def test_real_codes_embedded_organisation_code_check(code):
    # Characters 9-17 are the GB 11714 organisation code with its own check character.
    assert org_code_check(code[8:16]) == code[16]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_region_in_gbt2260_table(code):
    assert code[2:8] in regions()


@pytest.mark.parametrize(
    "raw",
    [
        "91440300708461136t",
        " 9144 0300 7084 6113 6T ",
        "９１４４０３００７０８４６１１３６Ｔ",
        "９１４４０３００７０８４６１１３６ｔ",
        "914403\u300000708461136T",
        "\t91440300708461136T\n",
    ],
)
def test_normalisation(raw):
    assert normalize_uscc(raw) == "91440300708461136T"
    assert validate_uscc(raw) == "91440300708461136T"
    assert is_valid_uscc(raw)


def test_normalise_empty():
    assert normalize_uscc("") == ""
    assert normalize_uscc(None) == ""


def test_wrong_check_character():
    code = "91440300708461136T"
    assert _rule(code[:17] + "U") == "check"
    with pytest.raises(ValidationError) as info:
        validate_uscc(code[:17] + "U")
    [error] = info.value.error_dict["uscc"]
    assert error.code == "uscc_check"
    assert "T" in error.messages[0]


@pytest.mark.parametrize("length", [0, 1, 15, 17, 19, 20])
def test_wrong_length(length):
    code = ("91440300708461136T" * 2)[:length]
    assert _rule(code) == "length"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters(letter):
    code = "91440300708461136T"
    assert _rule(code[:10] + letter + code[11:]) == "charset"


def test_punctuation_is_charset_error():
    assert _rule("9144030070846113-T") == "charset"


def test_registration_authority_codes():
    assert set(CATEGORIES) == set("123456789ANY")
    assert CATEGORIES["9"] == {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}
    for authority in "BCDEFGHJKLMPQRTUWX0":
        body = authority + "1440300MA5F00001"
        assert _rule(body + check_character(body)) == "authority", authority


@pytest.mark.parametrize(
    ("authority", "category", "rule"),
    [
        ("9", "1", None),
        ("9", "2", None),
        ("9", "3", None),
        ("9", "9", "category"),
        ("5", "3", None),
        ("1", "3", None),
        ("2", "2", "category"),
        ("Y", "1", None),
        ("Y", "2", "category"),
        ("N", "2", None),
        ("A", "1", None),
        ("A", "2", "category"),
    ],
)
def test_category_must_belong_to_authority(authority, category, rule):
    body = authority + category + "440300" + "MA5F00001"
    assert _rule(body + check_character(body)) == rule


def test_region_part_must_be_digits():
    body = "91" + "44030A" + "MA5F00001"
    assert _rule(body + check_character(body)) == "region"


def test_error_is_keyed_by_given_field():
    with pytest.raises(ValidationError) as info:
        validate_uscc("123", field="credit_code")
    assert list(info.value.error_dict) == ["credit_code"]
    assert info.value.error_dict["credit_code"][0].code == "uscc_length"


def test_generate_uscc_defaults_and_arguments():
    rng = random.Random(1)
    code = generate_uscc(rng)
    assert code.startswith("91440300") and is_valid_uscc(code)
    other = generate_uscc(rng, region="110105", authority="5", category="3")
    assert other.startswith("53110105") and is_valid_uscc(other)
    assert org_code_check(other[8:16]) == other[16]
