"""REST endpoints of the quality package: the duplicate check (rules in :mod:`.selectors`),
merging (:mod:`.merging`) and the customer import (:mod:`.imports`)."""

from __future__ import annotations

import json

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from xinren.core.errors import field_error
from xinren.customers.models import Company
from xinren.customers.presenters import SENSITIVE_COMPANY_FIELDS, masked
from xinren.customers.selectors import company_for
from xinren.jobs.schemas import JobOut
from xinren.jobs.services import submit
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Status
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id

from . import imports as imports_module
from . import merging, selectors, services
from .api_dedupe import router as dedupe_router
from .schemas import (
    DuplicatesOut,
    ImportCheckIn,
    ImportCheckOut,
    ImportStartIn,
    MergeIn,
    MergeOut,
    MergePreviewOut,
)

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


# --- customer import --------------------------------------------------------------------------
def _mapping(text: str) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise field_error("mapping", _('列映射应为 JSON 对象：{"表头": "字段"}。'), "json")
    return {str(k): v for k, v in value.items()}


@router.post("/customers/import/check", response={200: ImportCheckOut, **ERRORS})
def import_check(request, file: File[UploadedFile], data: Form[ImportCheckIn]):
    """Upload a customer file (xlsx, xls or CSV) and check it: a dry run with the per-row
    errors, nothing stored. A file that cannot be imported at all is a 422 naming ``file``
    (or ``mapping``/``template``) and the rule; start the import with the returned token."""
    user = request.auth
    content = file.read(imports_module.MAX_UPLOAD + 1)
    if len(content) > imports_module.MAX_UPLOAD:
        raise field_error("file", _("文件过大（上限 20 MB）。"), "file_size")
    mapping = _mapping(data.mapping)
    try:
        result = imports_module.run_import(
            actor=user, content=content, filename=file.name or "", mode=data.mode,
            on_match=data.on_match, mapping=mapping, template=data.template, dry_run=True,
        )  # fmt: skip
    except imports_module.ImportFileError as exc:
        raise field_error("file", str(exc), "file") from None
    token = services.stash_upload(actor=user, content=content)
    return {
        **result.summary(),
        "token": token,
        "header": result.header,
        "mapping": result.mapping,
        "errors": [e.__dict__ for e in result.errors[:1000]],
    }


@router.post("/customers/import/start", response={202: JobOut, **ERRORS})
def import_start(request, payload: ImportStartIn):
    """Import a checked file (its ``token``) as a background job; follow it at
    ``/api/v1/jobs/{id}`` (``result`` holds the counts and the row errors when done)."""
    user = request.auth
    require_action(user, Action.CREATE)
    path = services.stashed_path(actor=user, token=payload.token)
    if path is None:
        raise field_error("token", _("上传的文件已过期或不存在，请重新上传检查。"), "not_found")
    job = submit(
        "customer_import", user, "xinren.quality.tasks.import_customers",
        actor_id=user.pk, path=str(path), filename=path.name, mode=payload.mode,
        on_match=payload.on_match, mapping=payload.mapping, language=get_language() or "zh-hans",
    )  # fmt: skip
    return Status(202, job)
