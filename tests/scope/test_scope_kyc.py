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
