"""Notifications as a generated matrix: every built-in role × where the customer sits ×
whether the user serves it × the user's state now (active, deactivated, view right taken
away). The reminder scan notifies a user only about accounts they own or serve *and* still
reach through their current scope; the notification API never shows another user's
notifications. Expected outcomes are computed from world.BUILTIN / REACH, never listed.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.apis.conftest import ApiClient
from xinren.cadence.models import AccountTier
from xinren.customers.models import ServiceAssignment
from xinren.notifications import reminders
from xinren.notifications.models import Notification
from xinren.orgs.auth import issue_token
from xinren.orgs.models import Role

from .world import BUILTIN, POSITIONS, REACH, build_world

TODAY = date(2026, 11, 20)
STATES = ["active", "deactivated", "no_view_right"]
VARIANTS = ["as_built", "serves_every_account"]


def recipient(position: str, variant: str) -> bool:
    """The world makes the user owner or service-team member of the "own" account only."""
    return position == "own" or variant == "serves_every_account"


def expected(role: str, position: str, variant: str, state: str) -> bool:
    scope, _actions = BUILTIN[role]
    if state != "active" or not recipient(position, variant):
        return False
    # Owning or serving an account puts it in scope (the rule in customers.selectors).
    return position in REACH[scope] or recipient(position, variant)


CELLS = list(itertools.product(sorted(BUILTIN), VARIANTS, STATES))


@pytest.mark.django_db
@pytest.mark.parametrize("role,variant,state", CELLS, ids=["-".join(c) for c in CELLS])
def test_reminders_reach_only_accounts_in_scope(role, variant, state):
    world = build_world(role)
    user = world.user
    for account in world.accounts.values():
        AccountTier.objects.update_or_create(
            account=account, defaults={"tier": "S", "next_visit_due": TODAY}
        )
        if variant == "serves_every_account":
            ServiceAssignment.objects.get_or_create(account=account, user=user)
    if state == "deactivated":
        user.is_active = False
        user.save()
    elif state == "no_view_right":
        scope, _ = BUILTIN[role]
        actions = [a for a in Role.objects.get(code=role).actions if a != "view"]
        user.role = Role.objects.create(
            code=f"{role}_blind", name="无查看权", scope=scope, actions=actions
        )
        user.save()

    reminders.run_scan(today=TODAY)
    notified = set(Notification.objects.filter(recipient=user).values_list("account_id", flat=True))
    for position in POSITIONS:
        account = world.accounts[position]
        assert (account.pk in notified) is expected(role, position, variant, state), position

    if state == "active":
        theirs = Notification.objects.exclude(recipient=user)
        assert theirs.exists()  # the owners of the other accounts were notified
        api = ApiClient(issue_token(user)[0])
        listed = {n["id"] for n in api.get("/notifications", limit=200).json()["items"]}
        assert listed == set(
            Notification.objects.filter(recipient=user).values_list("pk", flat=True)
        )
        for other in theirs[:3]:
            assert api.post(f"/notifications/{other.pk}/read").status_code == 404
        assert api.post("/notifications/read-all").status_code == 200
        assert not theirs.filter(read_at__isnull=False).exists()
