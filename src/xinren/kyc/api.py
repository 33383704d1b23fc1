"""REST endpoints of the watch lists: the lists (public registry data, view right), a list
import (multipart, configure right), the hits (scoped) and a reviewer's decision on one."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from xinren.core.errors import field_error
from xinren.core.pagination import cursor_page
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Cursor, Status, page_size
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id, Text

from . import selectors, services
from .models import ListHit
from .schemas import (
    EntryPage,
    HitDecisionIn,
    HitOut,
    HitPage,
    KindName,
    ListImportIn,
    ListImportOut,
    WatchListPage,
)

router = Router(tags=["kyc"])
MAX_UPLOAD = 20 * 1024 * 1024
MAX_REPORTED = 1000


@router.get("/kyc/lists", response={200: WatchListPage, **ERRORS})
def list_watch_lists(request, cursor: Cursor = None, limit: int = page_size()):
    require_action(request.auth, Action.VIEW)
    return cursor_page(selectors.watch_lists(request.auth), cursor=cursor, limit=limit)


@router.get("/kyc/lists/{list_id}/entries", response={200: EntryPage, **ERRORS})
def list_entries(
    request,
    list_id: Id,
    q: Text = "",
    include_removed: bool = False,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    require_action(request.auth, Action.VIEW)
    selectors.watch_lists(request.auth).get(pk=list_id)  # 404 for an unknown list
    entries = selectors.list_entries(request.auth, list_id, q, include_removed)
    return cursor_page(entries, cursor=cursor, limit=limit)


@router.post("/kyc/lists/import", response={200: ListImportOut, **ERRORS})
def import_watch_list(request, file: File[UploadedFile], data: Form[ListImportIn]):
    """Import (or re-import, replacing its entries) the list called ``name`` from CSV (UTF-8,
    UTF-8 with BOM, GBK/GB18030) or Excel. ``mode``: ``all`` stores nothing when any row breaks
    a rule (answered 422, each row problem an error naming the column and the rule);
    ``valid`` stores the valid rows and reports the rest with row, column and rule.
    Needs the configure right."""
    if file.size is not None and file.size > MAX_UPLOAD:
        raise field_error("file", _("文件过大（上限 20 MB）。"), "max_size")
    report = services.import_list(
        actor=request.auth,
        content=file.read(),
        filename=file.name or "",
        kind=data.kind,
        name=data.name,
        source=data.source,
        industry_scope=data.industry_scope,
        mode=data.mode,
    )
    if not report.applied and report.errors:
        # All-or-nothing refused the file: bad input, nothing stored; every row problem named.
        detail = _("没有导入任何数据：%(count)s 行有错误。") % {"count": report.failed_rows}
        return Status(
            422,
            {
                "detail": detail,
                "errors": [
                    {"field": e.column, "rule": e.rule, "message": str(e)}
                    for e in report.errors[:MAX_REPORTED]
                ],
            },
        )
    return {
        "applied": report.applied,
        "list_id": report.watch_list.pk if report.watch_list else None,
        "total": report.total,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "failed_rows": report.failed_rows,
        "errors": [e.__dict__ for e in report.errors[:MAX_REPORTED]],
        "duplicates": [e.__dict__ for e in report.duplicates[:MAX_REPORTED]],
        "job_id": str(report.job.pk) if report.job is not None else None,
    }


def _hit_out(hit: ListHit) -> dict:
    return {
        "id": hit.pk,
        "company_id": hit.company_id,
        "company_name": hit.company.name,
        "company_uscc": hit.company.uscc,
        "list_id": hit.entry.watch_list_id,
        "list_name": hit.entry.watch_list.name,
        "list_kind": hit.entry.watch_list.kind,
        "entry": hit.entry,
        "matched_by": hit.matched_by,
        "status": hit.status,
        "first_seen": hit.first_seen,
        "last_seen": hit.last_seen,
        "closed_at": hit.closed_at,
        "decided_at": hit.decided_at,
        "note": hit.note,
    }


@router.get("/kyc/hits", response={200: HitPage, **ERRORS})
def list_hits(
    request,
    status: Literal["new", "confirmed", "dismissed"] | None = None,
    state: Literal["open", "closed", "all"] = "open",
    kind: KindName | None = None,
    matched_by: Literal["uscc", "name"] | None = None,
    company_id: Id | None = None,
    list_id: Id | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """Hits on customers in the caller's data scope, newest first."""
    require_action(request.auth, Action.VIEW)
    hits = selectors.visible_hits(
        request.auth, status=status or "", state=state, kind=kind or "",
        matched_by=matched_by or "", company_id=company_id, watch_list_id=list_id,
    )  # fmt: skip
    page = cursor_page(hits, cursor=cursor, limit=limit)
    page.items = [_hit_out(h) for h in page.items]
    return page


@router.post("/kyc/hits/{hit_id}/decision", response={200: HitOut, **ERRORS})
def decide_hit(request, hit_id: Id, payload: HitDecisionIn):
    """Confirm (the customer is the listed company), dismiss (another company; ``note`` says
    why) or reopen a hit. Needs the approve right and the customer in scope."""
    services.decide_hit(actor=request.auth, hit_id=hit_id, status=payload.status, note=payload.note)
    return _hit_out(selectors.hit_for(request.auth, hit_id))
