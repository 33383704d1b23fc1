"""Data scope of interactions and timelines as a generated matrix: every built-in role ×
where the customer sits × action. The expected outcome is computed from the role's scope and
actions (world.BUILTIN), never listed; each cell goes through the real service or selector
the pages and the API use. "Refused" means PermissionDenied (the role lacks the action) or
not found (outside the scope) — never a leak."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import timezone

from xinren.activities import selectors, services

from .world import BUILTIN, POSITIONS, REACH, build_world

ACTIONS = [
    "list",
    "read",
    "create",
    "edit",
    "delete",
    "account_timeline",
    "company_timeline",
]
NEEDS = {
    "list": "view",
    "read": "view",
    "create": "edit",  # logging a follow-up needs the edit right (service agents log too)
    "edit": "edit",
    "delete": "delete",
    "account_timeline": "view",
    "company_timeline": "view",
}


def expected(role: str, position: str, action: str) -> bool:
    scope, actions = BUILTIN[role]
    return position in REACH[scope] and NEEDS[action] in actions


def attempt(action: str, user, account, interaction) -> bool:
    try:
        if action == "list":
            return selectors.visible_interactions(user).filter(pk=interaction.pk).exists()
        if action == "read":
            return selectors.interaction_for(user, interaction.pk).pk == interaction.pk
        if action == "create":
            services.log_interaction(
                actor=user,
                account=account,
                kind="call",
                occurred_at=timezone.now(),
                subject="矩阵电话",
            )
            return True
        if action == "edit":
            services.update_interaction(
                actor=user,
                interaction=interaction,
                data={"summary": "矩阵测试"},
                expected_version=interaction.version,
            )
            return True
        if action == "delete":
            services.delete_interaction(actor=user, interaction=interaction)
            return True
        if action == "account_timeline":
            page = selectors.account_timeline(user, account.pk, limit=200)
            return interaction.pk in {e.source_id for e in page.items if e.kind == "interaction"}
        if action == "company_timeline":
            page = selectors.company_timeline(user, account.company_id, limit=200)
            return interaction.pk in {e.source_id for e in page.items if e.kind == "interaction"}
    except (PermissionDenied, ObjectDoesNotExist):
        return False
    raise AssertionError(action)


CELLS = list(itertools.product(sorted(BUILTIN), POSITIONS, ACTIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("role,position,action", CELLS, ids=["-".join(c) for c in CELLS])
def test_scope_cell(role, position, action):
    world = build_world(role)
    account = world.accounts[position]
    interaction = services.log_interaction(
        actor=account.owner,
        account=account,
        kind="visit",
        occurred_at=timezone.now(),
        subject="矩阵拜访",
    )
    before = interaction.version
    allowed = attempt(action, world.user, account, interaction)
    assert allowed is expected(role, position, action)
    if not allowed and action in ("edit", "delete", "create"):
        # a refused write leaves everything as it was
        from xinren.activities.models import Interaction

        assert Interaction.objects.filter(account=account).count() == 1
        assert Interaction.objects.get(pk=interaction.pk).version == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(BUILTIN))
def test_company_timeline_of_a_group_customer_shows_only_accounts_in_scope(role):
    """One company served by subsidiary A, subsidiary B and HQ: the company timeline shows the
    company-level events and exactly the accounts the role reaches."""
    from xinren.customers import services as customer_services

    world = build_world(role)
    home = world.accounts["same_department"]
    company = home.company
    accounts = {"same_department": home}
    for position in ("other_subsidiary", "hq"):
        owner = world.accounts[position].owner
        accounts[position] = customer_services.open_account(
            actor=owner, company=company, owner=owner
        )
    for account in accounts.values():
        services.log_interaction(
            actor=account.owner,
            account=account,
            kind="visit",
            occurred_at=timezone.now(),
            subject="集团客户拜访",
        )
    scope, actions = BUILTIN[role]
    reached = {a.pk for p, a in accounts.items() if p in REACH[scope]}
    if "view" not in actions or not reached:
        with pytest.raises(ObjectDoesNotExist):
            selectors.company_timeline(world.user, company.pk, limit=200)
        return
    events = selectors.company_timeline(world.user, company.pk, limit=200).items
    assert {e.account_id for e in events if e.account_id} == reached
    assert any(e.account_id is None for e in events)  # the golden record's own history
