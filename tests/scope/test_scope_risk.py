"""Scope of risk, generated: every built-in role × where the customer sits. An account's risk
(page, API) and the risk list are shown only inside the user's data scope; outside it the
page and the API answer 404, and a level-change alert never reaches a user who cannot see
the account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests.apis.conftest import ApiClient
from xinren.notifications.models import Notification
from xinren.orgs.auth import issue_token
from xinren.risk.models import RiskAssessment
from xinren.risk.scoring import rescore

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_risk_scope(role):
    world = build_world(role)
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    for account in world.accounts.values():
        RiskAssessment.objects.create(
            account=account, score=70, level="high", factors=[], computed_at=timezone.now()
        )
    client = ApiClient(issue_token(user)[0])
    listed = {r["account_id"] for r in client.get("/risk/accounts", limit=200).json()["items"]}
    page = Client()
    page.force_login(user)
    text = page.get("/risk/").content.decode()
    for position in POSITIONS:
        account = world.accounts[position]
        seen = position in reach
        assert (account.pk in listed) is seen, position
        assert (account.company.name in text) is seen, position
        assert client.get(f"/risk/accounts/{account.pk}").status_code == (200 if seen else 404)
        assert page.get(f"/risk/accounts/{account.pk}/").status_code == (200 if seen else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["risk_officer", "sales_rep", "department_head"])
def test_level_change_alerts_stay_in_scope(role):
    world = build_world(role)
    rescore()  # no documents anywhere: every account low (20), no alert
    assert not Notification.objects.exists()
    # As if scored high under earlier rules: the run re-scores every account, back to low,
    # a level change for each.
    RiskAssessment.objects.update(level="high", score=70, rules_version="earlier")
    rescore()
    got = set(
        Notification.objects.filter(recipient=world.user).values_list("account_id", flat=True)
    )
    if role == "risk_officer":
        expected = {world.accounts[p].pk for p in REACH["subsidiary"]}
    else:
        expected = {world.accounts["own"].pk}  # only owners are alerted besides risk officers
    assert got == expected
