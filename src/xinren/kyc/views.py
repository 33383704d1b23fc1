"""Pages of the watch lists: lists with the import form, one list's entries, the hits in the
user's scope with the reviewer's decision, and the company page's hits panel (htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.customers.selectors import company_for
from xinren.orgs.access import has_action, require_action
from xinren.orgs.models import Action
from xinren.web.paging import keyset_page

from . import selectors, services
from .forms import HitDecisionForm, ListImportForm
from .models import HitStatus, ListKind, MatchedBy

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
    return render(request, "xinren/kyc/_company_hits.html", {"hits": found, "company": company})
