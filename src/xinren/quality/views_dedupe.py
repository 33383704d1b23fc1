"""Pages of the duplicate review queue (htmx): the queue, starting a detection run, and a
decision on one pair. Parse → selector or service → template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.orgs.access import require_action
from xinren.orgs.models import Action

from . import matching
from . import selectors_dedupe as selectors
from . import services_dedupe as services
from .matching import reason_label
from .models import DuplicatePair, PairStatus

PAGE_SIZE = 20
TABS = (PairStatus.OPEN, PairStatus.UNSURE, PairStatus.SAME, PairStatus.DIFFERENT,
        PairStatus.MERGED)  # fmt: skip


def merge_url(survivor_id: int, other_id: int) -> str:
    """The merge page of two companies."""
    return reverse("web:quality-merge", args=[survivor_id, other_id])


def _views(user, pairs):
    views = selectors.pair_views(user, pairs)
    for v in views:
        v.merge_url = merge_url(v.survivor_id, v.other_id)
    return views


def _message(exc: ValidationError) -> str:
    return " ".join(item["message"] for item in error_items(exc))


@login_required
def duplicate_queue(request):
    """The review queue: pairs where the user sees both companies, highest score first."""
    user = request.user
    require_action(user, Action.MERGE)  # 403 without the merge right
    status = request.GET.get("status") or PairStatus.OPEN
    reason = request.GET.get("reason") or None
    min_score = request.GET.get("min_score") or None
    cursor = request.GET.get("cursor") or None
    error, items, next_cursor = "", [], None
    try:
        if min_score is not None:
            try:
                min_score = int(min_score)
            except ValueError:
                raise ValidationError(
                    {"min_score": [ValidationError(_("最低分必须在 0 到 100 之间。"), "range")]}
                ) from None
        pairs = selectors.review_pairs(user, status=status, min_score=min_score, reason=reason)
        items, next_cursor = selectors.pairs_page(pairs, cursor=cursor, limit=PAGE_SIZE)
    except ValidationError as exc:
        error = _message(exc)
    query = request.GET.copy()
    query.pop("cursor", None)
    run = selectors.latest_run(user)
    counts = selectors.status_counts(user)
    context = {
        "views": _views(user, items),
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "status": status,
        "reason": reason or "",
        "min_score": "" if min_score is None else min_score,
        "tabs": [(s, PairStatus(s).label, counts.get(s, 0)) for s in TABS],
        "reasons": [(code, reason_label(code)) for code in matching.REASON_CODES],
        "run": run,
        "job": run.job if run and run.job_id else None,
        "error": error,
        "nav": "duplicates",
    }
    return render(request, "xinren/quality/duplicates.html", context, status=422 if error else 200)


@login_required
@require_POST
def duplicate_run(request):
    """Start batch detection in the background; answers the run panel with a progress bar."""
    user = request.user
    require_action(user, Action.MERGE)
    error, run = "", None
    try:
        run = services.start_detection(
            actor=user,
            threshold=request.POST.get("threshold") or None,
            language=get_language() or "zh-hans",
        )
    except ValidationError as exc:
        error = _message(exc)
        run = selectors.latest_run(user)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("web:quality-duplicates")
    return render(
        request,
        "xinren/quality/_run_panel.html",
        {"run": run, "job": run.job if run and run.job_id else None, "run_error": error},
        status=422 if error else 200,
    )


@login_required
@require_POST
def duplicate_decide(request, pk: int):
    """Same / different / unsure on one pair; answers the re-rendered pair card."""
    user = request.user
    require_action(user, Action.MERGE)
    try:
        pair = selectors.pair_for(user, pk)
    except DuplicatePair.DoesNotExist:
        raise Http404(_("记录不存在或不在您的数据范围内。")) from None
    error = ""
    try:
        pair = services.decide_pair(
            actor=user,
            pair=pair,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        error = _message(exc)
        pair.refresh_from_db()
    if not request.htmx:  # without JavaScript: back to the queue, with the error if any
        if error:
            messages.error(request, error)
        return redirect("web:quality-duplicates")
    [view] = _views(user, [pair])
    return render(
        request,
        "xinren/quality/_pair.html",
        {"v": view, "pair_error": error},
        status=422 if error else 200,
    )
