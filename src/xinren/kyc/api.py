"""REST endpoints of the watch lists: the lists (public registry data, view right), a list
import (multipart, configure right), the hits (scoped) and a reviewer's decision on one."""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from xinren.core.errors import field_error
from xinren.core.pagination import cursor_page
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Cursor, Status, page_size
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id, Text

from . import certification, registry_import, selectors, services
from . import upload_links as links
from .models import Application, ListHit
from .schemas import (
    ApplicationDecisionIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    EntryPage,
    HitDecisionIn,
    HitOut,
    HitPage,
    KindName,
    LicenceUsccIn,
    ListImportIn,
    ListImportOut,
    ReferenceIn,
    RegistryImportIn,
    RegistryImportJobOut,
    RegistryImportOut,
    RegistryRecordPage,
    RegistrySnapshotPage,
    StepIn,
    UploadLinkCreatedOut,
    UploadLinkIn,
    UploadLinkList,
    UploadLinkOut,
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
        "last_seen": hit.last_found,  # see selectors.with_last_found
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


# --- certification -----------------------------------------------------------------------------
def _name(user) -> str | None:
    return user.get_full_name() or user.username if user is not None else None


def _application_out(app: Application, full: bool = False) -> dict:
    out = {
        "id": app.pk,
        "account_id": app.account_id,
        "company_id": app.account.company_id,
        "company_name": app.account.company.name,
        "company_uscc": app.account.company.uscc,
        "status": app.status,
        "licence_uscc": app.licence_uscc,
        "prepared_by": _name(app.prepared_by),
        "submitted_by": _name(app.submitted_by),
        "decided_by": _name(app.decided_by),
        "decided_at": app.decided_at,
        "reason": app.reason,
        "prepayment_required": app.prepayment_required,
        "credit_limit": app.credit_limit,
        "credit_days": app.credit_days,
        "valid_until": app.valid_until,
        "created_at": app.created_at,
        "checks": list(app.checks.all()),
    }
    if full:
        out["steps"] = [
            {"from_status": s.from_status, "to_status": s.to_status, "actor": _name(s.actor),
             "at": s.at, "note": s.note}
            for s in app.steps.select_related("actor")
        ]  # fmt: skip
        out["references"] = list(app.references.all())
    return out


def _full(request, application_id: int) -> dict:
    app = selectors.visible_applications(request.auth).select_related("submitted_by")
    return _application_out(app.get(pk=application_id), full=True)


@router.get("/kyc/applications", response={200: ApplicationPage, **ERRORS})
def list_applications(
    request,
    status: Literal["draft", "submitted", "in_review", "approved", "conditional", "rejected"]
    | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """Certification applications of accounts in the caller's data scope, newest first."""
    require_action(request.auth, Action.VIEW)
    apps = selectors.visible_applications(request.auth, status=status or "").select_related(
        "submitted_by"
    )
    page = cursor_page(apps, cursor=cursor, limit=limit)
    page.items = [_application_out(a) for a in page.items]
    return page


@router.post("/kyc/applications", response={201: ApplicationOut, **ERRORS})
def create_application(request, payload: ApplicationIn):
    """Open a draft for an account in scope (create right); one unfinished per account."""
    app = certification.open_application(
        actor=request.auth, account_id=payload.account_id, licence_uscc=payload.licence_uscc,
        note=payload.note,
    )  # fmt: skip
    return Status(201, _full(request, app.pk))


@router.get("/kyc/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request, application_id: Id):
    """One application with its checks, evidence, references and step history."""
    require_action(request.auth, Action.VIEW)
    return _full(request, application_id)


@router.patch("/kyc/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def set_licence_uscc(request, application_id: Id, payload: LicenceUsccIn):
    """Enter the USCC read from the business licence (before the decision)."""
    certification.set_licence_uscc(
        actor=request.auth, application_id=application_id, licence_uscc=payload.licence_uscc
    )
    return _full(request, application_id)


@router.post("/kyc/applications/{application_id}/submit", response={200: ApplicationOut, **ERRORS})
def submit(request, application_id: Id, payload: StepIn):
    """draft → submitted (edit right); the checks are run."""
    certification.submit(actor=request.auth, application_id=application_id, note=payload.note)
    return _full(request, application_id)


@router.post("/kyc/applications/{application_id}/review", response={200: ApplicationOut, **ERRORS})
def start_review(request, application_id: Id, payload: StepIn):
    """submitted → in_review (approve right)."""
    certification.start_review(actor=request.auth, application_id=application_id, note=payload.note)
    return _full(request, application_id)


@router.post("/kyc/applications/{application_id}/return", response={200: ApplicationOut, **ERRORS})
def return_to_draft(request, application_id: Id, payload: StepIn):
    """submitted / in_review → draft, with a ``note`` saying why (approve right)."""
    certification.return_to_draft(
        actor=request.auth, application_id=application_id, note=payload.note
    )
    return _full(request, application_id)


@router.post("/kyc/applications/{application_id}/checks", response={200: ApplicationOut, **ERRORS})
def run_checks(request, application_id: Id):
    """Run every check the standard requires again; results and evidence in ``checks``."""
    certification.run_checks(actor=request.auth, application_id=application_id)
    return _full(request, application_id)


@router.post(
    "/kyc/applications/{application_id}/references", response={201: ApplicationOut, **ERRORS}
)
def add_reference(request, application_id: Id, payload: ReferenceIn):
    """Record a contacted reference; the references check is re-run."""
    certification.add_reference(actor=request.auth, application_id=application_id,
                                **payload.dict())  # fmt: skip
    return Status(201, _full(request, application_id))


@router.post(
    "/kyc/applications/{application_id}/decision", response={200: ApplicationOut, **ERRORS}
)
def decide(request, application_id: Id, payload: ApplicationDecisionIn):
    """approved / conditional / rejected (approve right; never the preparer or submitter:
    422 on ``decided_by``, rule ``four_eyes``). ``reason`` required unless approved."""
    certification.decide(actor=request.auth, application_id=application_id, **payload.dict())
    return _full(request, application_id)


# --- the customer's upload link ----------------------------------------------------------------
def _link_out(link, **extra) -> dict:
    return {
        "id": link.pk, "state": links.state_of(link), "created_at": link.created_at,
        "expires_at": link.expires_at, "max_files": link.max_files,
        "files_uploaded": link.files_uploaded, "used_at": link.used_at,
        "revoked_at": link.revoked_at, **extra,
    }  # fmt: skip


@router.post(
    "/kyc/applications/{application_id}/upload-links",
    response={201: UploadLinkCreatedOut, **ERRORS},
)
def create_upload_link(request, application_id: Id, payload: UploadLinkIn):
    """A one-time upload link for the customer (edit right; draft or submitted). ``url`` is
    returned this once and cannot be read again."""
    link, token = links.create_link(
        actor=request.auth, application_id=application_id, days=payload.days,
        max_files=payload.max_files,
    )  # fmt: skip
    return Status(201, _link_out(link, url=request.build_absolute_uri(links.link_path(token))))


@router.get(
    "/kyc/applications/{application_id}/upload-links", response={200: UploadLinkList, **ERRORS}
)
def list_upload_links(request, application_id: Id):
    """The application's upload links with their state (never their address)."""
    return {"items": [_link_out(link) for link in links.links_for(request.auth, application_id)]}


@router.post(
    "/kyc/applications/{application_id}/upload-links/{link_id}/revoke",
    response={200: UploadLinkOut, **ERRORS},
)
def revoke_upload_link(request, application_id: Id, link_id: Id):
    """Close a link before its time (edit right)."""
    return _link_out(
        links.revoke_link(actor=request.auth, application_id=application_id, link_id=link_id)
    )


# --- business registry (工商登记) ----------------------------------------------------------------
def _record_out(record) -> dict:
    return {
        "uscc": record.uscc, "name": record.name, "legal_rep": record.legal_rep,
        "status": record.status, "status_label": record.get_status_display(),
        "registered_capital": record.registered_capital,
        "established_on": record.established_on, "address": record.address,
        "shareholders": record.shareholders or [], "lawsuit_count": record.lawsuit_count,
        "source": record.snapshot.source, "as_of": record.snapshot.as_of,
        "updated_at": record.updated_at,
    }  # fmt: skip


@router.get("/kyc/registry", response={200: RegistryRecordPage, **ERRORS})
def registry_records(
    request, uscc: Text = "", q: Text = "", cursor: Cursor = None, limit: int = page_size()
):
    """Registry records (public registry data, view right): ``uscc`` exact; ``q`` a name
    substring, the same normalised name or a USCC prefix. Newest first."""
    require_action(request.auth, Action.VIEW)
    records = selectors.registry_records(request.auth, uscc=uscc, q=q)
    page = cursor_page(records, cursor=cursor, limit=limit)
    page.items = [_record_out(r) for r in page.items]
    return page


@router.get("/kyc/registry/snapshots", response={200: RegistrySnapshotPage, **ERRORS})
def registry_snapshots(request, cursor: Cursor = None, limit: int = page_size()):
    """Registry imports, newest first (view right)."""
    require_action(request.auth, Action.VIEW)
    page = cursor_page(selectors.registry_snapshots(request.auth), cursor=cursor, limit=limit)
    page.items = [
        {"id": s.pk, "source": s.source, "as_of": s.as_of, "imported_at": s.imported_at,
         "imported_by": _name(s.imported_by), "record_count": s.record_count}
        for s in page.items
    ]  # fmt: skip
    return page


@router.post(
    "/kyc/registry/import", response={200: RegistryImportOut, 202: RegistryImportJobOut, **ERRORS}
)
def import_registry(
    request, response: HttpResponse, file: File[UploadedFile], data: Form[RegistryImportIn]
):
    """Import a registry snapshot from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or Excel:
    records upserted by USCC. ``mode``: ``all`` stores nothing when any row breaks a rule;
    ``valid`` stores the valid rows and reports the rest. Needs the configure right.

    A file of at most 2,000 rows is imported at once: 200 with the report, or 422 naming
    each row problem (mode ``all``). A larger one is imported in the background: 202 with
    the job (``Location`` and ``status_url`` point at ``GET /api/v1/jobs/{id}``), whose
    ``result`` holds the same report when ``status`` is done (``applied`` false and
    ``errors`` when mode ``all`` refused the file)."""
    if file.size is not None and file.size > MAX_UPLOAD:
        raise field_error("file", _("文件过大（上限 20 MB）。"), "max_size")
    report, job = registry_import.start_registry_import(
        actor=request.auth, content=file.read(), filename=file.name or "",
        source=data.source, as_of=data.as_of, mode=data.mode,
        language=get_language() or "zh-hans",
    )  # fmt: skip
    if job is not None:
        url = reverse("api:get_job", kwargs={"job_id": job.pk})
        response["Location"] = url
        job.status_url = url
        return Status(202, job)
    if not report.applied and report.errors:
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
    result = registry_import.report_result(report)
    return {k: result[k] for k in RegistryImportOut.model_fields}
