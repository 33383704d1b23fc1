"""Data scope as a generated matrix: every built-in role × where the customer sits × action.

Expected outcome is computed from the role's scope and actions (see world.BUILTIN) — never
listed by hand — and each cell goes through the real service or selector a page, the API or
an export uses.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from xinren.customers import exports, selectors, services

from .world import BUILTIN, POSITIONS, REACH, build_world

ACTIONS = ["list", "read", "search", "edit", "delete", "export"]
NEEDS = {
    "list": "view",
    "read": "view",
    "search": "view",
    "edit": "edit",
    "delete": "delete",
    "export": "export",
}


def expected(role: str, position: str, action: str) -> bool:
    scope, actions = BUILTIN[role]
    return position in REACH[scope] and NEEDS[action] in actions


def attempt(action: str, user, account) -> bool:
    company = account.company
    try:
        if action == "list":
            return selectors.visible_companies(user).filter(pk=company.pk).exists()
        if action == "read":
            selectors.company_for(user, company.pk)
            return True
        if action == "search":
            return selectors.search_companies(user, company.name[:6]).filter(pk=company.pk).exists()
        if action == "edit":
            services.update_company(
                actor=user,
                company=company,
                data={"main_business": "矩阵测试"},
                expected_version=company.version,
            )
            return True
        if action == "delete":
            services.delete_account(actor=user, account=account)
            return True
        if action == "export":
            names = [row[0] for row in exports.rows(user, selectors.visible_companies(user))]
            return company.name in names
    except (PermissionDenied, ObjectDoesNotExist):
        return False
    raise AssertionError(action)


CELLS = list(itertools.product(sorted(BUILTIN), POSITIONS, ACTIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("role,position,action", CELLS, ids=["-".join(c) for c in CELLS])
def test_scope_cell(role, position, action):
    world = build_world(role)
    account = world.accounts[position]
    assert attempt(action, world.user, account) is expected(role, position, action)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(BUILTIN))
def test_roles_match_their_definition(role):
    """The matrix is only as good as its model of the roles: check it against the database."""
    from xinren.orgs.models import Role

    db_role = Role.objects.get(code=role)
    scope, actions = BUILTIN[role]
    assert db_role.scope == scope
    assert actions <= set(db_role.actions)
    assert not ({"view", "create", "edit", "delete", "export"} - actions) & set(db_role.actions)
