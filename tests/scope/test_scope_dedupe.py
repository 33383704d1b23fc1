"""Scope of the duplicate review queue, generated: every built-in role × every pair of
customer positions. A pair is listed, readable and decidable only by a merge-right holder
who can see BOTH companies — on the selector, the service, the API and the page; nobody
learns of a pair with a company outside their scope (404, never 403)."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.test import Client

from tests.apis.conftest import ApiClient
from xinren.orgs.access import has_action
from xinren.orgs.auth import issue_token
from xinren.quality.models import DuplicatePair, PairStatus
from xinren.quality.selectors_dedupe import pair_for, review_pairs
from xinren.quality.services_dedupe import decide_pair

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)
MERGERS = {"group_admin", "subsidiary_admin", "department_head"}  # roles with "merge"


def _pairs(world) -> dict[tuple[str, str], DuplicatePair]:
    out = {}
    for x, y in itertools.combinations(POSITIONS, 2):
        a, b = sorted((world.accounts[x].company_id, world.accounts[y].company_id))
        out[(x, y)] = DuplicatePair.objects.create(
            company_a_id=a, company_b_id=b, score=90, reasons=[{"code": "same_name", "score": 90}]
        )
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_review_queue_scope(role):
    world = build_world(role)
    user = world.user
    pairs = _pairs(world)
    reach = REACH[BUILTIN[role][0]]
    expected = {pk for (x, y), pk in ((k, p.pk) for k, p in pairs.items()) if {x, y} <= reach}
    api = ApiClient(issue_token(user)[0])
    page = Client()
    page.force_login(user)
    assert has_action(user, "merge") is (role in MERGERS)
    if role not in MERGERS:
        assert not review_pairs(user).exists()
        assert api.get("/quality/duplicate-pairs").status_code == 403
        assert page.get("/quality/duplicates/").status_code == 403
        for pair in pairs.values():
            with pytest.raises(PermissionDenied):
                decide_pair(actor=user, pair=pair, status="same")
            res = api.post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "same"})
            assert res.status_code == 403
        assert not DuplicatePair.objects.exclude(status=PairStatus.OPEN).exists()
        return
    # Listed: exactly the pairs with both companies in scope (selector, API, page).
    assert set(review_pairs(user).values_list("pk", flat=True)) == expected
    listed = api.get("/quality/duplicate-pairs", limit=200).json()["items"]
    assert {i["id"] for i in listed} == expected
    html = page.get("/quality/duplicates/").content.decode()
    for position, account in world.accounts.items():
        shown = any(position in key and pk in expected for key, pk in
                    ((k, p.pk) for k, p in pairs.items()))  # fmt: skip
        assert (account.company.name in html) is shown
    # Read and decided: only those; the rest is "not found", and stays open.
    for (x, y), pair in pairs.items():
        visible = pair.pk in expected
        if visible:
            assert pair_for(user, pair.pk) == pair
            decide_pair(actor=user, pair=pair, status="unsure")
            res = api.post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "different"})
            assert res.status_code == 200 and res.json()["status"] == "different"
            res = page.post(f"/quality/duplicates/{pair.pk}/decide/", {"status": "same"},
                            headers={"HX-Request": "true"})  # fmt: skip
            assert res.status_code == 200
        else:
            with pytest.raises(ObjectDoesNotExist):
                pair_for(user, pair.pk)
            with pytest.raises(ObjectDoesNotExist):
                decide_pair(actor=user, pair=pair, status="same")
            assert api.get(f"/quality/duplicate-pairs/{pair.pk}").status_code == 404
            res = api.post(f"/quality/duplicate-pairs/{pair.pk}/decision", {"status": "same"})
            assert res.status_code == 404
            res = page.post(f"/quality/duplicates/{pair.pk}/decide/", {"status": "same"},
                            headers={"HX-Request": "true"})  # fmt: skip
            assert res.status_code == 404
        pair.refresh_from_db()
        assert pair.status == (PairStatus.SAME if visible else PairStatus.OPEN), (x, y)


def test_roles_cover_the_builtin_table():
    assert set(ROLES) >= MERGERS and set(ROLES) == set(BUILTIN)
