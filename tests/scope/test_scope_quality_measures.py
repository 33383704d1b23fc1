"""Scope of the data-quality measures, generated: every built-in role × where the account
sits. Aggregates, the worst records, the trend, the page and the tasks a user may assign
count exactly the accounts in their scope."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from tests.apis.conftest import ApiClient
from xinren.orgs.auth import issue_token
from xinren.quality.measures import selectors, services
from xinren.quality.measures.models import QualityTask

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


def reach(role: str) -> set[str]:
    return REACH[BUILTIN[role][0]]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "position"), list(itertools.product(ROLES, POSITIONS)))
def test_measures_scope(role, position):
    world = build_world(role)
    services.refresh_scores()
    user, account = world.user, world.accounts[position]
    visible = position in reach(role)
    expected = len(reach(role))

    ids = set(selectors.visible_scores(user).values_list("account_id", flat=True))
    assert (account.pk in ids) is visible
    assert len(ids) == expected
    assert selectors.measures(user).records == expected
    assert sum(r.records for r in selectors.breakdown(user, "rep")) == expected
    worst = [s.account_id for s in selectors.worst_page(user, 50)]
    assert (account.pk in worst) is visible
    # A drill-down into the account's own subsidiary never widens the scope.
    drilled = selectors.measures(user, subsidiary=account.business_unit_id).records
    assert drilled == sum(
        1 for p in reach(role) if world.accounts[p].business_unit_id == account.business_unit_id
    )

    api = ApiClient(issue_token(user)[0])
    body = api.get("/quality/measures", group_by="department").json()
    assert body["total"]["records"] == expected
    records = api.get("/quality/records/worst", limit=50).json()["records"]
    assert (account.pk in {r["account_id"] for r in records}) is visible

    client = Client()
    client.force_login(user)
    html = client.get("/quality/").content.decode()
    assert (account.company.name in html) is visible

    # The trend counts accounts owned inside the scope (a served-only account is live in the
    # figures above but not in the owners' snapshot rows).
    served_only = role in ("service_agent",)
    points = selectors.trend(user)
    assert len(points) <= 1
    assert (points[0]["records"] if points else 0) == expected - (1 if served_only else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_tasks_only_for_accounts_in_scope(role):
    world = build_world(role)
    services.refresh_scores()
    if "edit" not in BUILTIN[role][1]:
        r = ApiClient(issue_token(world.user)[0]).post("/quality/tasks", {"limit": 50})
        assert r.status_code == 403 and not QualityTask.objects.exists()
        return
    tasks = services.assign_tasks(actor=world.user, limit=50)
    got = {t.account_id for t in tasks}
    assert got == {world.accounts[p].pk for p in reach(role)}
    # Each task belongs to the account's owner, who sees it in their own list.
    for task in tasks:
        owner = [a for a in world.accounts.values() if a.pk == task.account_id][0].owner
        assert task.assignee_id == owner.pk
        assert task.pk in {t.pk for t in selectors.my_tasks(owner)}
