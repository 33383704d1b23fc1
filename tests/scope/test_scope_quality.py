"""Scope of the duplicate check, generated: every built-in role × where the existing
company sits. Candidates come from the whole master, so an exact duplicate is always
reported to a user who may create customers; what is shown of it follows the scope: a
company outside it gives its legal name, USCC and existence only — no id, region, phone,
accounts, contacts or owner — on the selector, the API and the page partial."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.orgs.auth import issue_token
from xinren.quality.selectors import duplicate_candidates

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


def may_ask(role: str) -> bool:
    return "create" in BUILTIN[role][1]


def visible(role: str, position: str) -> bool:
    return position in REACH[BUILTIN[role][0]]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "position"), list(itertools.product(ROLES, POSITIONS)))
def test_duplicate_check_scope(role, position):
    world = build_world(role)
    company = world.accounts[position].company
    # Something only the owner's side knows, which must never reach the candidate.
    company.phone, company.registered_address = "13812345678", "秘密路1号"
    company.save()
    user = world.user
    if not may_ask(role):
        with pytest.raises(PermissionDenied):
            duplicate_candidates(user, name=company.name, uscc=company.uscc)
        assert (
            ApiClient(issue_token(user)[0])
            .get("/companies/duplicates", name=company.name)
            .status_code
            == 403
        )
        return
    found = duplicate_candidates(user, name=company.name, uscc=company.uscc, limit=20)
    [hit] = [c for c in found if c.uscc == company.uscc]
    assert hit.exact and hit.score == 100 and hit.name == company.name
    assert hit.visible is visible(role, position)
    if hit.visible:
        assert hit.company_id == company.pk
    else:
        assert hit.company_id is None and hit.region == ""
    # API: the same, and nothing else about an out-of-scope company in the JSON.
    body = (
        ApiClient(issue_token(user)[0])
        .get("/companies/duplicates", name=company.name, uscc=company.uscc, limit=20)
        .json()
    )
    [row] = [c for c in body["candidates"] if c["uscc"] == company.uscc]
    assert row["visible"] is visible(role, position)
    text = str(row)
    if not row["visible"]:
        assert row["company_id"] is None and row["region"] == ""
        assert set(row) == {
            "score",
            "exact",
            "visible",
            "company_id",
            "name",
            "uscc",
            "region",
            "reasons",
        }
        account = world.accounts[position]
        for secret in (
            "13812345678",
            "秘密路",
            account.archive_no,
            str(company.pk) + ",",
        ):
            assert secret not in text
    # Page partial: a link to open an account only on a visible company.
    client = Client()
    client.force_login(user)
    html = client.post(
        "/customers/duplicates/", {"name": company.name, "uscc": company.uscc}
    ).content.decode()
    assert company.name in html
    link = f"/customers/{company.pk}/accounts/new/"
    assert (link in html) is visible(role, position)
    assert "13812345678" not in html and "秘密路" not in html


def test_roles_cover_the_builtin_table():
    assert factories and set(ROLES) == set(BUILTIN)
