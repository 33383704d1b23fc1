"""Scope of watch-list hits, generated: every built-in role × where the listed customer sits.
A hit is customer data: it is shown (selector, API, hits page, company panel) and decided
only inside the user's data scope; outside it the API answers 404, as for any customer.
The lists themselves are public registry data, readable by every role with the view right."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.apis.conftest import ApiClient
from xinren.kyc.models import ListHit
from xinren.kyc.screening import screen_all
from xinren.kyc.selectors import visible_hits
from xinren.kyc.services import import_list
from xinren.kyc.tasks import rescreen
from xinren.notifications.models import Notification, NotificationKind
from xinren.orgs.auth import issue_token
from xinren.orgs.models import Role, User

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_hits_scope(role):
    world = build_world(role)
    lister = User.objects.create_superuser("lister", password="x")
    rows = ["企业名称,统一社会信用代码,列入原因"] + [
        f"{a.company.name},{a.company.uscc},失信{i}" for i, a in enumerate(world.accounts.values())
    ]
    import_list(
        actor=lister, content="\n".join(rows).encode(), filename="l.csv", kind="dishonest",
        name="失信名单", rescreen=False,
    )  # fmt: skip
    screen_all()
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    approves = "approve" in Role.objects.get(code=role).actions
    hit_of = {p: ListHit.objects.get(company=world.accounts[p].company) for p in POSITIONS}
    expected = {hit_of[p].pk for p in POSITIONS if p in reach}

    assert set(visible_hits(user).values_list("pk", flat=True)) == expected
    client = ApiClient(issue_token(user)[0])
    body = client.get("/kyc/hits", limit=200).json()
    assert {h["id"] for h in body["items"]} == expected
    assert client.get("/kyc/lists").status_code == 200
    page = Client()
    page.force_login(user)
    text = page.get("/kyc/hits/").content.decode()
    assert page.get("/kyc/lists/").status_code == 200
    for position in POSITIONS:
        company = world.accounts[position].company
        seen = position in reach
        assert (company.name in text) is seen, position
        panel = page.get(f"/customers/{company.pk}/list-hits/").content.decode()
        assert ('data-testid="company-list-hit"' in panel) is seen, position
        assert company.name not in panel or seen
        answer = client.post(
            f"/kyc/hits/{hit_of[position].pk}/decision", {"status": "confirmed", "note": "核实"}
        )
        if not approves:
            assert answer.status_code == 403, position
        else:
            assert answer.status_code == (200 if seen else 404), position
        hit_of[position].refresh_from_db()
        assert hit_of[position].status == ("confirmed" if seen and approves else "new")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hit_decision_page_scope(role):
    """The hits page's decision form (not only the API) is refused outside the data scope."""
    world = build_world(role)
    lister = User.objects.create_superuser("lister", password="x")
    rows = ["企业名称,统一社会信用代码,列入原因"] + [
        f"{a.company.name},{a.company.uscc},失信" for a in world.accounts.values()
    ]
    import_list(
        actor=lister, content="\n".join(rows).encode(), filename="l.csv", kind="dishonest",
        name="失信名单", rescreen=False,
    )  # fmt: skip
    screen_all()
    reach = REACH[BUILTIN[role][0]]
    approves = "approve" in Role.objects.get(code=role).actions
    page = Client()
    page.force_login(world.user)
    for position in POSITIONS:
        hit = ListHit.objects.get(company=world.accounts[position].company)
        seen = position in reach
        answer = page.post(f"/kyc/hits/{hit.pk}/decision/", {"status": "confirmed", "note": "核"})
        if not approves:
            assert answer.status_code == 403, position
        else:
            assert answer.status_code == (302 if seen else 404), position
        hit.refresh_from_db()
        assert hit.status == ("confirmed" if seen and approves else "new"), position


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["risk_officer", "sales_rep", "department_head", "auditor"])
def test_list_hit_alerts_stay_in_scope(role):
    """The re-screening job alerts the owners and the risk officers of new hits, each only
    about accounts in their own data scope."""
    world = build_world(role)
    lister = User.objects.create_superuser("lister", password="x")
    rows = ["企业名称,统一社会信用代码,列入原因"] + [
        f"{a.company.name},{a.company.uscc},失信" for a in world.accounts.values()
    ]
    import_list(
        actor=lister, content="\n".join(rows).encode(), filename="l.csv", kind="dishonest",
        name="失信名单", rescreen=False,
    )  # fmt: skip
    assert rescreen()["new"] == len(POSITIONS)
    got = set(
        Notification.objects.filter(recipient=world.user, kind=NotificationKind.LIST_HIT)
        .values_list("account_id", flat=True)
    )  # fmt: skip
    reach = {world.accounts[p].pk for p in REACH[BUILTIN[role][0]]}
    assert got <= reach  # never about an account the user cannot see
    if role == "risk_officer":
        assert got == reach
    if world.accounts["own"].owner_id == world.user.pk:
        assert world.accounts["own"].pk in got  # the owner hears of their own account
