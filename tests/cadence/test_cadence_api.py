"""Tier and visit-policy endpoints."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.cadence.models import TierChange
from xinren.orgs.auth import issue_token


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def test_read_and_set_tier(org, rep):
    account = factories.make_customer(rep)
    api = _api(rep)
    status = api.get(f"/accounts/{account.pk}/tier")
    assert status.status_code == 200
    assert status.json()["tier"] == "C" and status.json()["interval_days"] == 90
    missing_reason = api.put(f"/accounts/{account.pk}/tier", {"tier": "S", "reason": ""})
    assert missing_reason.status_code == 422
    assert missing_reason.json()["errors"][0]["field"] == "reason"
    bad_tier = api.put(f"/accounts/{account.pk}/tier", {"tier": "Z", "reason": "x"})
    assert bad_tier.status_code == 422 and bad_tier.json()["errors"][0]["field"] == "tier"
    assert not TierChange.objects.exists()
    ok = api.put(f"/accounts/{account.pk}/tier", {"tier": "S", "reason": "战略客户"})
    assert ok.status_code == 200 and ok.json()["tier"] == "S" and ok.json()["interval_days"] == 30
    stale = api.put(f"/accounts/{account.pk}/tier", {"tier": "A", "reason": "降级", "version": 1})
    assert stale.status_code == 409
    history = api.get(f"/accounts/{account.pk}/tier-history").json()
    assert [(h["from_tier"], h["to_tier"], h["reason"]) for h in history] == [
        ("C", "S", "战略客户")
    ]


def test_tier_out_of_scope_is_not_found(org, rep):
    account = factories.make_customer(rep)
    outsider = factories.make_user(org.b_sales, "sales_rep", username="outsider")
    api = _api(outsider)
    assert api.get(f"/accounts/{account.pk}/tier").status_code == 404
    assert api.put(f"/accounts/{account.pk}/tier", {"tier": "S", "reason": "x"}).status_code == 404


def test_visit_policies(org, rep):
    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    api = _api(admin)
    got = api.get(f"/business-units/{org.sub_a.pk}/visit-policies").json()
    assert got["visit_every_days"] == {"S": 30, "A": 30, "B": 90, "C": 90}
    put = api.put(f"/business-units/{org.sub_a.pk}/visit-policies/B", {"visit_every_days": 45})
    assert put.status_code == 200 and put.json()["visit_every_days"]["B"] == 45
    assert (
        api.put(
            f"/business-units/{org.sub_a.pk}/visit-policies/B", {"visit_every_days": 0}
        ).status_code
        == 422
    )
    assert api.get(f"/business-units/{org.sub_b.pk}/visit-policies").status_code == 404
    assert _api(rep).get(f"/business-units/{org.sub_a.pk}/visit-policies").status_code == 404
