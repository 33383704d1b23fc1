"""REST endpoints of batch duplicate detection and its review queue (mounted on the quality
router). Parse → selector or service → schema; the rules live in :mod:`.services_dedupe` and
:mod:`.selectors_dedupe`."""

from __future__ import annotations

from django.utils.translation import get_language
from ninja import Router

from xinren.core.pagination import cursor_page
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Cursor, Status, page_size
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id, Text

from . import selectors_dedupe as selectors
from . import services_dedupe as services
from .models import DedupeRun
from .schemas_dedupe import PairDecisionIn, PairOut, PairPage, RunIn, RunOut, RunPage

router = Router(tags=["quality"])


def _pair_out(view: selectors.PairView) -> dict:
    p = view.pair
    return {
        "id": p.pk,
        "score": p.score,
        "status": p.status,
        "reasons": [{"code": c, "label": label, "score": s} for c, label, s in view.reasons],
        "company_a": view.a.__dict__,
        "company_b": view.b.__dict__,
        "suggested_survivor_id": view.survivor_id,
        "note": p.note,
        "run_id": p.run_id,
        "found_at": p.found_at,
        "decided_at": p.decided_at,
        "decided_by_id": p.decided_by_id,
    }


def _one(user, pair) -> dict:
    return _pair_out(selectors.pair_views(user, [pair])[0])


def _run_out(run: DedupeRun) -> dict:
    params = run.parameters or {}
    return {
        "id": run.pk,
        "job_id": run.job_id,
        "job_status": run.job.status if run.job_id and run.job else None,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "threshold": params.get("threshold"),
        "companies": run.companies,
        "compared": run.compared,
        "pairs_found": run.pairs_found,
        "pairs_new": run.pairs_new,
        "by_reason": params.get("by_reason", {}),
        "error": params.get("error", ""),
    }


@router.get("/quality/duplicate-pairs", response={200: PairPage, **ERRORS})
def list_pairs(
    request,
    status: Text | None = None,
    min_score: int | None = None,
    reason: Text | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """The review queue: candidate pairs where the caller can see BOTH companies, highest
    score first. ``status``: open, unsure, same, different or merged (default: all);
    ``min_score`` 0–100; ``reason``: a reason code the pair carries (e.g. same_name).
    Needs the merge right."""
    user = request.auth
    require_action(user, Action.MERGE)
    pairs = selectors.review_pairs(user, status=status, min_score=min_score, reason=reason)
    items, next_cursor = selectors.pairs_page(pairs, cursor=cursor, limit=limit)
    return {
        "items": [_pair_out(v) for v in selectors.pair_views(user, items)],
        "next_cursor": next_cursor,
    }


@router.get("/quality/duplicate-pairs/{pair_id}", response={200: PairOut, **ERRORS})
def get_pair(request, pair_id: Id):
    require_action(request.auth, Action.MERGE)
    return _one(request.auth, selectors.pair_for(request.auth, pair_id))


@router.post("/quality/duplicate-pairs/{pair_id}/decision", response={200: PairOut, **ERRORS})
def decide(request, pair_id: Id, payload: PairDecisionIn):
    """Same, different or unsure (remembered: a later run never reopens same or different).
    Recorded in both companies' change history."""
    user = request.auth
    require_action(user, Action.MERGE)
    pair = services.decide_pair(
        actor=user,
        pair=selectors.pair_for(user, pair_id),
        status=payload.status,
        note=payload.note,
    )
    return _one(user, pair)


@router.post("/quality/dedupe-runs", response={202: RunOut, **ERRORS})
def start_run(request, payload: RunIn | None = None):
    """Start batch detection over the whole master in the background; poll
    ``/api/v1/jobs/{job_id}`` for progress. One run at a time (422 ``already_running``)."""
    run = services.start_detection(
        actor=request.auth,
        threshold=payload.threshold if payload else None,
        language=get_language() or "zh-hans",
    )
    return Status(202, _run_out(run))


@router.get("/quality/dedupe-runs", response={200: RunPage, **ERRORS})
def list_runs(request, cursor: Cursor = None, limit: int = page_size()):
    """Detection runs, newest first (counts only). Needs the merge right."""
    require_action(request.auth, Action.MERGE)
    page = cursor_page(selectors.visible_runs(request.auth), cursor=cursor, limit=limit)
    return {"items": [_run_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/quality/dedupe-runs/{run_id}", response={200: RunOut, **ERRORS})
def get_run(request, run_id: Id):
    require_action(request.auth, Action.MERGE)
    return _run_out(selectors.visible_runs(request.auth).get(pk=run_id))
