"""REST endpoint of the duplicate check; the rules live in :mod:`.selectors`."""

from __future__ import annotations

from ninja import Router

from xinren.orgs.api import ERRORS

from . import selectors
from .api_dedupe import router as dedupe_router
from .schemas import DuplicatesOut

router = Router(tags=["quality"])


@router.get("/companies/duplicates", response={200: DuplicatesOut, **ERRORS})
def company_duplicates(
    request,
    name: str = "",
    uscc: str = "",
    phone: str = "",
    region_code: str = "",
    limit: int = 5,
):
    """Companies of the golden master a new customer may already be, best first, each with
    a score (0–100) and reasons. ``exact`` (same USCC, score 100): it cannot be created
    again — open an account on it instead. Out-of-scope companies: name and USCC only."""
    found = selectors.duplicate_candidates(
        request.auth, name=name, uscc=uscc, phone=phone, region_code=region_code, limit=limit
    )
    return {
        "candidates": [c.__dict__ | {"reasons": [r.__dict__ for r in c.reasons]} for c in found]
    }


# Batch detection and its review queue: /quality/duplicate-pairs, /quality/dedupe-runs.
router.add_router("", dedupe_router)
