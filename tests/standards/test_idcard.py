"""Resident identity card numbers, GB 11643-1999 (xinren.standards.idcard)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xinren.standards.codes import regions
from xinren.standards.idcard import (
    id_check_character,
    id_problem,
    mask_id_number,
    validate_id_number,
)

VALID = "11010519491231002X"  # the GB 11643-1999 example: 北京市朝阳区, born 1949-12-31


def _rule(code: str) -> str | None:
    problem = id_problem(code)
    return problem[0] if problem else None


def _with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


def test_standard_example_is_valid():
    assert id_problem(VALID) is None
    assert id_check_character(VALID[:17]) == "X"
    assert validate_id_number(VALID) == VALID


def test_address_code_of_example_is_in_region_table():
    assert regions()[VALID[:6]].name == "朝阳区"


def test_lowercase_x_fullwidth_and_spaces_are_normalised():
    assert validate_id_number("110105 19491231 002x") == VALID
    assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID


@pytest.mark.parametrize("check", list("0123456789"))
def test_wrong_check_character_rejected(check):
    assert _rule(VALID[:17] + check) == "check"


def test_wrong_check_error_names_field_and_expected_character():
    with pytest.raises(ValidationError) as info:
        validate_id_number(VALID[:17] + "1", field="legal_rep_id_number")
    [error] = info.value.error_dict["legal_rep_id_number"]
    assert error.code == "id_check"
    assert "X" in error.messages[0]


@pytest.mark.parametrize(
    "birth",
    ["19490230", "19491301", "19490001", "19491200", "20230229", "18991231"],
)
def test_bad_birth_date_rejected(birth):
    assert _rule(_with_check("110105" + birth + "002")) == "birth_date"


def test_future_birth_date_rejected():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert _rule(_with_check("110105" + tomorrow.strftime("%Y%m%d") + "002")) == "birth_date"


def test_leap_day_accepted():
    assert _rule(_with_check("440300" + "20000229" + "123")) is None


@pytest.mark.parametrize(
    "code", ["", "11010519491231002", "11010519491231002X1", "110105491231002"]
)
def test_wrong_length(code):
    assert _rule(code) == "length"


@pytest.mark.parametrize("code", ["1101051949123100XX", "A1010519491231002X", "11010519491231002Y"])
def test_charset(code):
    assert _rule(code) == "charset"


def test_default_field_name():
    with pytest.raises(ValidationError) as info:
        validate_id_number("123")
    assert info.value.error_dict["id_number"][0].code == "id_length"


def test_mask():
    assert mask_id_number(VALID) == "110105********002X"
    assert mask_id_number("") == ""
