"""Pages of the watch lists: lists with the import form, one list's entries, the hits in the
user's scope with the reviewer's decision, and the company page's hits panel (htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.customers.selectors import company_for, visible_accounts
from xinren.orgs.access import has_action, require_action
from xinren.orgs.models import Action
from xinren.web.forms import add_service_errors
from xinren.web.paging import keyset_page

from . import certification, registry, registry_import, selectors, services
from .forms import (
    DecisionForm,
    HitDecisionForm,
    ListImportForm,
    ReferenceForm,
    RegistryImportForm,
    StandardForm,
)
from .models import ApplicationStatus, HitStatus, ListKind, MatchedBy

PAGE = 50


@login_required
def lists(request):
    """The lists with their counts; the import form for a user with the configure right."""
    require_action(request.user, Action.VIEW)
    can_import = has_action(request.user, Action.CONFIGURE)
    form = ListImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        require_action(request.user, Action.CONFIGURE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.import_list(
                    actor=request.user, content=data["file"].read(),
                    filename=data["file"].name, kind=data["kind"], name=data["name"],
                    source=data["source"], industry_scope=data["industry_scope"],
                    mode=data["mode"],
                )  # fmt: skip
            except ValidationError as exc:
                for item in error_items(exc):
                    field = item["field"] if item["field"] in form.fields else None
                    form.add_error(field, item["message"])
        if report is None or not report.applied:
            status = 422
    return render(
        request,
        "xinren/kyc/lists.html",
        {
            "lists": selectors.watch_lists(request.user),
            "form": form,
            "can_import": can_import,
            "report": report,
            "job": report.job if report else None,
            "last_run": selectors.latest_run(),
            "run_counts": selectors.run_counts_visible(request.user),
            "nav": "kyc-lists",
        },
        status=status,
    )


@login_required
def list_detail(request, pk: int):
    watch_list = get_object_or_404(selectors.watch_lists(request.user), pk=pk)
    q = request.GET.get("q", "").strip()
    removed = request.GET.get("removed") == "1"
    entries = selectors.list_entries(request.user, watch_list.pk, q, include_removed=removed)
    page = keyset_page(request, entries, PAGE)
    return render(
        request,
        "xinren/kyc/list_detail.html",
        {
            "watch_list": watch_list,
            "page": page,
            "q": q,
            "removed": removed,
            "form": ListImportForm(initial={"kind": watch_list.kind, "name": watch_list.name}),
            "can_import": has_action(request.user, Action.CONFIGURE),
            "nav": "kyc-lists",
        },
    )


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


@login_required
def hits(request):
    require_action(request.user, Action.VIEW)
    g = request.GET
    filters = {
        "status": g.get("status", "") if g.get("status", "") in HitStatus.values else "",
        "state": g.get("state", "open") if g.get("state") in ("open", "closed", "all") else "open",
        "kind": g.get("kind", "") if g.get("kind", "") in ListKind.values else "",
        "matched_by": g.get("matched_by", "")
        if g.get("matched_by", "") in MatchedBy.values
        else "",
        "company_id": _int(g.get("company", "")),
    }
    page = keyset_page(request, selectors.visible_hits(request.user, **filters), PAGE)
    return render(
        request,
        "xinren/kyc/hits.html",
        {
            "page": page,
            "filters": filters,
            "statuses": HitStatus.choices,
            "kinds": ListKind.choices,
            "matched": MatchedBy.choices,
            "can_decide": has_action(request.user, Action.APPROVE),
            "last_run": selectors.latest_run(),
            "run_counts": selectors.run_counts_visible(request.user),
            "nav": "kyc-hits",
        },
    )


@login_required
@require_POST
def hit_decision(request, pk: int):
    form = HitDecisionForm(request.POST)
    back = request.POST.get("next") or reverse("web:kyc-hits")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("web:kyc-hits")
    if not form.is_valid():
        messages.error(request, _("结论无效。"))
        return redirect(back)
    try:
        services.decide_hit(
            actor=request.user, hit_id=pk, status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except ObjectDoesNotExist:
        raise Http404 from None  # outside the user's data scope, as for any customer
    except ValidationError as exc:
        for item in error_items(exc):
            messages.error(request, item["message"])
    else:
        messages.success(request, _("已保存结论。"))
    return redirect(back)


@login_required
def company_hits(request, pk: int):
    """The company page's panel: open hits of one company in the user's scope."""
    try:
        company = company_for(request.user, pk)
    except ObjectDoesNotExist:  # out of scope or unknown: an empty panel, no hint
        company = None
    found = (
        list(selectors.visible_hits(request.user, company_id=company.pk)[:20]) if company else []
    )
    certificates = (
        list(selectors.visible_applications(request.user).filter(account__company=company)[:10])
        if company
        else []
    )
    facts = registry.stored(company.uscc or "", company.name) if company else None
    return render(
        request,
        "xinren/kyc/_company_hits.html",
        {
            "registry": facts,
            "registry_differs": [
                line
                for line in (registry.compare(company, facts) if facts else [])
                if line.differs and line.key not in ("status", "lawsuit_count")
            ],
            "hits": found,
            "company": company,
            "certificates": certificates,
            "accounts": visible_accounts(request.user).filter(company=company) if company else [],
            "can_open": has_action(request.user, Action.CREATE),
        },
    )


# --- certification -----------------------------------------------------------------------------
@login_required
def applications(request):
    """The back-office review queue: applications in the user's scope, by status, with the
    failed checks and the document problems at a glance."""
    require_action(request.user, Action.VIEW)
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    page = keyset_page(request, selectors.visible_applications(request.user, status=status), PAGE)
    return render(
        request,
        "xinren/kyc/applications.html",
        {
            "page": page,
            "status": status,
            "statuses": ApplicationStatus.choices,
            "nav": "kyc-applications",
        },
    )


@login_required
@require_POST
def application_open(request):
    """Open a draft for one account (from the company page's panel)."""
    account_id = _int(request.POST.get("account", ""))
    try:
        if account_id is None:
            raise ObjectDoesNotExist
        app = certification.open_application(actor=request.user, account_id=account_id)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        for item in error_items(exc):
            messages.error(request, item["message"])
        return redirect("web:kyc-applications")
    messages.success(request, _("已创建认证申请草稿。"))
    return redirect("web:kyc-application", pk=app.pk)


STEP_ACTIONS = {
    "submit": certification.submit,
    "review": certification.start_review,
    "return": certification.return_to_draft,
}


@login_required
def application_detail(request, pk: int):
    """The application: checklist with evidence, references, step history, and the forms of
    the steps the user may take (every rule is the service's)."""
    app = get_object_or_404(selectors.visible_applications(request.user), pk=pk)
    decision = DecisionForm(prefix="d")
    reference = ReferenceForm(prefix="r")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        user = request.user
        try:
            if action in STEP_ACTIONS:
                note = request.POST.get("note", "")[:2000]
                STEP_ACTIONS[action](actor=user, application_id=app.pk, note=note)
            elif action == "checks":
                certification.run_checks(actor=user, application_id=app.pk)
            elif action == "licence":
                certification.set_licence_uscc(
                    actor=user, application_id=app.pk,
                    licence_uscc=request.POST.get("licence_uscc", "")[:40],
                )  # fmt: skip
            elif action == "reference":
                reference = ReferenceForm(request.POST, prefix="r")
                if not reference.is_valid():
                    raise ValidationError(reference.errors.as_data())
                certification.add_reference(
                    actor=user, application_id=app.pk, **reference.cleaned_data
                )
            elif action == "decide":
                decision = DecisionForm(request.POST, prefix="d")
                if not decision.is_valid():
                    raise ValidationError(decision.errors.as_data())
                certification.decide(actor=user, application_id=app.pk, **decision.cleaned_data)
            else:
                raise ValidationError({"action": [ValidationError(_("未知操作。"), "choice")]})
        except ValidationError as exc:
            form = {"reference": reference, "decide": decision}.get(action)
            if form is not None and not form.errors:
                add_service_errors(form, exc)
            elif form is None:
                errors = [item["message"] for item in error_items(exc)]
        else:
            messages.success(request, _("已保存。"))
            return redirect("web:kyc-application", pk=app.pk)
        app = selectors.application_for(request.user, pk)
    can_edit = has_action(request.user, Action.EDIT)
    can_approve = has_action(request.user, Action.APPROVE)
    preparers = {app.prepared_by_id, app.submitted_by_id}
    return render(
        request,
        "xinren/kyc/application.html",
        {
            "app": app,
            "standard": certification.standard_for(app.account),
            "checks": list(app.checks.all()),
            **_registry_context(app.account.company),
            "steps": list(app.steps.select_related("actor")),
            "references": list(app.references.all()),
            "decision": decision,
            "reference": reference,
            "errors": errors,
            "can_edit": can_edit,
            "can_approve": can_approve,
            "four_eyes": request.user.pk in preparers,
            "nav": "kyc-applications",
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
def standards(request):
    """Certification standards per subsidiary and industry (configure right)."""
    require_action(request.user, Action.CONFIGURE)
    form = StandardForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = data["business_unit"]
            try:
                certification.save_standard(
                    actor=request.user, business_unit_id=unit.pk if unit else None,
                    industry_code=data["industry_code"],
                    required_documents=data["required_documents"],
                    required_checks=data["required_checks"],
                    expiry_margin_days=data["expiry_margin_days"],
                    validity_days=data["validity_days"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存认证标准。"))
                return redirect("web:kyc-standards")
        status = 422
    return render(
        request,
        "xinren/kyc/standards.html",
        {
            "standards": selectors.standards(request.user),
            "default": certification.default_standard(),
            "form": form,
            "nav": "kyc-applications",
        },
        status=status,
    )


# --- business registry (工商登记) ----------------------------------------------------------------
def _registry_context(company) -> dict:
    """The registry's record of a company (already in the user's scope) next to its master
    data, for the application page."""
    facts = registry.stored(company.uscc or "", company.name)
    return {"registry": facts, "registry_lines": registry.compare(company, facts) if facts else []}


def _registry_job(user, pk):
    """A registry import job the user may watch (its creator, or a configurer over them)."""
    from xinren.jobs.models import JobRun
    from xinren.jobs.selectors import job_for

    try:
        job = job_for(user, pk)
    except (JobRun.DoesNotExist, ValueError, ValidationError):
        raise Http404(_("任务不存在。")) from None
    if job.kind != registry_import.JOB_KIND:
        raise Http404(_("任务不存在。"))
    return job


@login_required
def registry_page(request):
    """工商登记: the snapshots imported, a lookup by USCC or name (with the customers in the
    user's scope it describes), and (configure right) the import form with its row report —
    at once for a small file, else (``?job=<id>``) a progress bar, then the report."""
    require_action(request.user, Action.VIEW)
    can_import = has_action(request.user, Action.CONFIGURE)
    form = RegistryImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        require_action(request.user, Action.CONFIGURE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, job = registry_import.start_registry_import(
                    actor=request.user, content=data["file"].read(), filename=data["file"].name,
                    source=data["source"], as_of=data["as_of"], mode=data["mode"],
                    language=get_language() or "zh-hans",
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if job is not None:
                    return redirect(f"{reverse('web:kyc-registry')}?job={job.pk}")
        if report is None or not report.applied:
            status = 422
    job = _registry_job(request.user, request.GET["job"]) if request.GET.get("job") else None
    q = request.GET.get("q", "").strip()[:200]
    records = list(selectors.registry_records(request.user, q=q)[:PAGE]) if q else []
    customers = selectors.registry_customers(request.user, records)
    return render(
        request,
        "xinren/kyc/registry.html",
        {
            "snapshots": selectors.registry_snapshots(request.user)[:20],
            "record_total": selectors.registry_records(request.user).count(),
            "q": q,
            "records": [
                (r, registry.RegistryFacts.from_record(r), customers.get(r.pk, [])) for r in records
            ],
            "form": form,
            "can_import": can_import,
            "report": report,
            "job": job,
            "nav": "kyc-registry",
        },
        status=status,
    )


@login_required
def registry_job(request, pk):
    """The registry import job's panel, polled by htmx: the progress bar while it runs, the
    row report once it is done."""
    require_action(request.user, Action.VIEW)
    job = _registry_job(request.user, pk)
    return render(request, "xinren/kyc/_registry_job.html", {"job": job})
