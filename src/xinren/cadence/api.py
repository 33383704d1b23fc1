"""REST endpoints of tiers and visit cadence; every rule lives in :mod:`.services`."""

from __future__ import annotations

from ninja import Router

from xinren.customers.selectors import account_for
from xinren.orgs.api import ERRORS
from xinren.orgs.schemas import Id
from xinren.orgs.selectors import org_unit_for

from . import selectors, services
from .models import AccountTier
from .schemas import (
    TierChangeOut,
    TierIn,
    TierName,
    VisitPoliciesOut,
    VisitPolicyIn,
    VisitStatusOut,
)

router = Router(tags=["cadence"])


def _status(user, account_id: int) -> dict:
    status = selectors.visit_status(user, account_id)
    return {"account_id": account_id, **status.__dict__}


@router.get("/accounts/{account_id}/tier", response={200: VisitStatusOut, **ERRORS})
def get_tier(request, account_id: Id):
    """Tier, visit interval, last visit and when the next visit is due."""
    return _status(request.auth, account_id)


@router.put("/accounts/{account_id}/tier", response={200: VisitStatusOut, **ERRORS})
def set_tier(request, account_id: Id, payload: TierIn):
    """Set the tier by hand; ``reason`` is kept with the tier history."""
    user = request.auth
    account = account_for(user, account_id)
    version = payload.version
    if version is None:
        version = (
            AccountTier.objects.filter(pk=account.pk).values_list("version", flat=True).first()
        )
    services.set_tier(
        actor=user,
        account=account,
        tier=payload.tier,
        reason=payload.reason,
        expected_version=version,
    )
    return _status(user, account_id)


@router.get("/accounts/{account_id}/tier-history", response={200: list[TierChangeOut], **ERRORS})
def tier_history(request, account_id: Id):
    return [
        {
            "from_tier": c.from_tier,
            "to_tier": c.to_tier,
            "reason": c.reason,
            "changed_by": str(c.changed_by) if c.changed_by else None,
            "changed_at": c.changed_at,
        }
        for c in selectors.tier_history(request.auth, account_id)[:200]
    ]


@router.get("/business-units/{unit_id}/visit-policies", response={200: VisitPoliciesOut, **ERRORS})
def get_policies(request, unit_id: Id):
    """Visit interval (days) per tier for a subsidiary one manages (defaults filled in)."""
    unit = org_unit_for(request.auth, unit_id)
    return {"business_unit_id": unit.pk, "visit_every_days": selectors.visit_policies(unit.pk)}


@router.put(
    "/business-units/{unit_id}/visit-policies/{tier}", response={200: VisitPoliciesOut, **ERRORS}
)
def set_policy(request, unit_id: Id, tier: TierName, payload: VisitPolicyIn):
    unit = org_unit_for(request.auth, unit_id)
    services.set_visit_policy(
        actor=request.auth, business_unit=unit, tier=tier, visit_every_days=payload.visit_every_days
    )
    return {"business_unit_id": unit.pk, "visit_every_days": selectors.visit_policies(unit.pk)}
