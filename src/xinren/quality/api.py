"""REST endpoints of the duplicate check (rules in :mod:`.selectors`) and of merging
(rules in :mod:`.merging`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from xinren.core.errors import field_error
from xinren.customers.models import Company
from xinren.customers.presenters import SENSITIVE_COMPANY_FIELDS, masked
from xinren.customers.selectors import company_for
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Status
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id

from . import merging, selectors
from .schemas import DuplicatesOut, MergeIn, MergeOut, MergePreviewOut

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


# --- merge ------------------------------------------------------------------------------------
def _merge_out(record) -> dict:
    return {
        "id": record.pk,
        "survivor_id": record.survivor_ref,
        "survivor_name": record.survivor_name,
        "other_id": record.other_ref,
        "other_name": record.other_name,
        "merged_at": record.merged_at.isoformat(),
        "merged_by": record.actor_name,
        "changed_fields": sorted(record.survivor_after),
        "choices": record.choices,
        "counts": record.counts,
        "merged_archive_nos": [a.archive_no for a in record.archive_nos.all()],
        "undone_at": record.undone_at.isoformat() if record.undone_at else None,
        "undone_by": str(record.undone_by) if record.undone_by_id else None,
    }


def _shown(user, company, name: str, value) -> str | None:
    if value is None:
        return None
    if name in SENSITIVE_COMPANY_FIELDS:
        return masked(user, company, name)
    return str(value)


@router.get("/quality/merges/preview", response={200: MergePreviewOut, **ERRORS})
def merge_preview(request, survivor_id: Id, other_id: Id):
    """What merging ``other_id`` into ``survivor_id`` would do: per field the proposed value
    and the rule that chose it (non_empty → verified → newer → survivor), how many rows of
    each kind move, and which accounts are combined (same business unit). 404 when either
    company is outside the caller's scope; 403 without the merge right."""
    p = merging.merge_preview(actor=request.auth, survivor_id=survivor_id, other_id=other_id)
    user = request.auth
    return {
        "survivor_id": p.survivor.pk,
        "other_id": p.other.pk,
        "survivor_verification": p.levels[0],
        "other_verification": p.levels[1],
        "fields": [
            {
                "field": f.field,
                "label": f.label,
                "survivor_value": _shown(user, p.survivor, f.field, f.survivor_value),
                "other_value": _shown(user, p.other, f.field, f.other_value),
                "pick": f.pick,
                "reason": f.reason,
                "reason_label": f.reason_label,
            }
            for f in p.fields
        ],
        "moves": [{"label": label, "rows": n} for label, n in p.counts],
        "combined_accounts": [
            {
                "archive_no": a.archive_no,
                "into_archive_no": into.archive_no,
                "business_unit": a.business_unit.name,
            }
            for a, into in p.combined
        ],
    }


@router.get("/quality/merges", response={200: list[MergeOut], **ERRORS})
def list_merges(request, limit: int = 50):
    """Merges the caller may read (survivor in scope), newest first."""
    if not 1 <= limit <= 200:
        raise field_error("limit", _("limit 必须在 1 到 %(n)d 之间。") % {"n": 200}, "range")
    records = selectors.visible_merges(request.auth).prefetch_related("archive_nos")
    return [_merge_out(r) for r in records[:limit]]


@router.post("/quality/merges", response={201: MergeOut, **ERRORS})
def create_merge(request, payload: MergeIn):
    """Merge ``other_id`` into ``survivor_id``. Every linked record moves to the survivor;
    the other company is removed (kept in the merge record, so it can be undone)."""
    try:
        survivor = company_for(request.auth, payload.survivor_id)
        other = company_for(request.auth, payload.other_id)
    except Company.DoesNotExist:
        require_action(request.auth, Action.MERGE)  # 403 first: it tells nothing of the ids
        raise
    record = merging.merge_companies(
        actor=request.auth, survivor=survivor, other=other, choices=payload.choices
    )
    return Status(201, _merge_out(record))


@router.post("/quality/merges/{merge_id}/undo", response={200: MergeOut, **ERRORS})
def undo_merge(request, merge_id: Id):
    """Undo a merge: the other company returns with its original id, accounts and records."""
    record = selectors.merge_for(request.auth, merge_id)
    merging.unmerge(actor=request.auth, record=record)
    record.refresh_from_db()
    return _merge_out(record)
