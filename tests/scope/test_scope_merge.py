"""Scope of merging, generated: every built-in role × where the other company sits, merged
into a company the user reaches (their own). Nobody merges a record they cannot see: out of
scope is "not found" (404, never 403, so existence does not leak); without the merge right it
is 403 whatever the ids. Undo follows the same rules, on the page and the API."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.customers.models import Company
from xinren.orgs.auth import issue_token
from xinren.orgs.models import Role
from xinren.quality.merging import merge_companies

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


def may_merge(role: str) -> bool:
    return "merge" in Role.objects.get(code=role).actions


def visible(role: str, position: str) -> bool:
    return position in REACH[BUILTIN[role][0]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "position"), list(itertools.product(ROLES, [p for p in POSITIONS if p != "own"]))
)
def test_merge_scope(role, position):
    world = build_world(role)
    user = world.user
    survivor = world.accounts["own"].company
    other = world.accounts[position].company
    api = ApiClient(issue_token(user)[0])
    page = Client()
    page.force_login(user)
    ids = {"survivor_id": survivor.pk, "other_id": other.pk}
    if not may_merge(role):
        expected = 403
    elif not visible(role, position):
        expected = 404
    else:
        expected = 200
    assert api.get("/quality/merges/preview", **ids).status_code == expected
    assert page.get(f"/quality/merge/{survivor.pk}/{other.pk}/").status_code == expected
    r = api.post("/quality/merges", ids)
    assert r.status_code == (201 if expected == 200 else expected)
    if expected != 200:
        assert Company.objects.filter(pk=other.pk).exists()  # nothing changed
        if expected == 404:
            # Indistinguishable from a company that does not exist.
            missing = api.post("/quality/merges", ids | {"other_id": 10**9})
            assert missing.json() == r.json()
        # A steward merges; the user then tries to undo.
        steward = factories.make_superuser(username="steward")
        record = merge_companies(actor=steward, survivor=survivor, other=other)
        undo = api.post(f"/quality/merges/{record.pk}/undo")
        if not may_merge(role):
            assert undo.status_code == 403
        else:
            # The survivor is theirs, but the account that came with the other company sits
            # out of their reach: refused, naming where it is.
            assert undo.status_code == 403
            unit = world.accounts[position].business_unit.name
            assert unit in undo.json()["detail"]
        assert not Company.objects.filter(pk=other.pk).exists()
        return
    record_id = r.json()["id"]
    assert not Company.objects.filter(pk=other.pk).exists()
    assert page.post(f"/quality/merges/{record_id}/undo/").status_code == 302
    assert Company.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_merge_history_is_scoped(org):
    steward = factories.make_superuser(username="steward")
    head_a = factories.make_user(org.a_sales, "department_head")
    head_b = factories.make_user(org.b_sales, "department_head")
    s = factories.make_customer(head_a).company
    o = factories.make_customer(head_a).company
    record = merge_companies(actor=steward, survivor=s, other=o)
    assert ApiClient(issue_token(head_a)[0]).get("/quality/merges").json()[0]["id"] == record.pk
    api_b = ApiClient(issue_token(head_b)[0])
    assert api_b.get("/quality/merges").json() == []
    assert api_b.post(f"/quality/merges/{record.pk}/undo").status_code == 404
    page_b = Client()
    page_b.force_login(head_b)
    assert page_b.get(f"/quality/merges/{record.pk}/").status_code == 404
    assert o.name not in page_b.get("/quality/merges/").content.decode()
