"""Property tests of the GB 32100 check character and the generator."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xinren.standards.codes import regions
from xinren.standards.uscc import (
    ALPHABET,
    CATEGORIES,
    check_character,
    generate_uscc,
    is_valid_uscc,
    org_code_check,
    uscc_problem,
)

REGION_CODES = sorted(regions())
AUTHORITY_CATEGORY = sorted((a, c) for a, cats in CATEGORIES.items() for c in cats)


@st.composite
def valid_usccs(draw):
    authority, category = draw(st.sampled_from(AUTHORITY_CATEGORY))
    return generate_uscc(
        draw(st.randoms(use_true_random=False)),
        region=draw(st.sampled_from(REGION_CODES)),
        authority=authority,
        category=category,
    )


@given(valid_usccs())
def test_generated_codes_always_validate(code):
    assert len(code) == 18
    assert uscc_problem(code) is None
    assert org_code_check(code[8:16]) == code[16]
    assert code[2:8] in regions()


@given(valid_usccs(), st.integers(0, 17), st.sampled_from(ALPHABET + "IOZSV-a"))
def test_changing_one_character_always_fails(code, position, replacement):
    if code[position] == replacement.upper():
        # the same character (lower case is normalised to upper case): take the next one
        replacement = ALPHABET[(ALPHABET.index(replacement.upper()) + 1) % len(ALPHABET)]
    altered = code[:position] + replacement + code[position + 1 :]
    assert altered != code
    assert not is_valid_uscc(altered)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_character_completes_any_body(body):
    check = check_character(body)
    assert check in ALPHABET
    problem = uscc_problem(body + check)
    # Whatever else may be wrong (authority, category, region), the check character is right.
    assert problem is None or problem[0] != "check"


@given(valid_usccs(), st.integers(0, 16))
def test_swapping_adjacent_different_characters_fails(code, i):
    if code[i] == code[i + 1]:
        return
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    assert not is_valid_uscc(swapped)
