"""Pages: the timeline section of the customer page (and its htmx fragments), the account
timeline page, logging, editing and deleting interactions, completing next steps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import ConflictError
from xinren.customers.models import Company, CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.customers.views import account_or_404, company_or_404
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.timeline.models import EventKind
from xinren.web.forms import posted_version, run_service

from . import selectors, services
from .forms import InteractionEditForm, InteractionForm
from .models import Interaction

PAGE = 20


# --- lookups: "not found" for anything outside the user's scope --------------------------------
def _interaction_or_404(user, pk: int) -> Interaction:
    try:
        return selectors.interaction_for(user, pk)
    except Interaction.DoesNotExist:
        raise Http404(_("互动记录不存在或不在您的数据范围内。")) from None


def _kind(request) -> str | None:
    kind = request.GET.get("kind") or None
    return kind if kind in EventKind.values else None


# --- the timeline section ----------------------------------------------------------------------
def timeline_context(
    request,
    *,
    company: Company,
    accounts: list[CustomerAccount],
    contacts: list,
    account: CustomerAccount | None = None,
    form: InteractionForm | None = None,
    kind: str | None = None,
    cursor: str | None = None,
) -> dict:
    """What the timeline section shows: the quick log form, kind chips and the first page —
    of the company (customer page) or of one account (account page)."""
    user = request.user
    if account is not None:
        page = selectors.account_timeline(user, account, kind=kind, cursor=cursor, limit=PAGE)
        more_url = f"{_url('web:account-timeline', account.pk)}"
    else:
        page = selectors.company_timeline(user, company, kind=kind, cursor=cursor, limit=PAGE)
        more_url = f"{_url('web:company-timeline', company.pk)}"
    can_log = has_action(user, Action.EDIT) and bool(accounts)
    if form is None and can_log:
        form = InteractionForm(
            accounts=accounts,
            contacts=contacts,
            staff=selectors.staff_candidates(user, accounts),
            actor=user,
            prefix="log",
        )
    return {
        "company": company,
        "account": account,
        "page": page,
        "interactions": selectors.interactions_by_id(user, page.items),
        "actors": selectors.actor_names(page.items),
        "kind": kind or "",
        "kinds": EventKind.choices,
        "more_url": more_url,
        "form": form if can_log else None,
        "can_edit": has_action(user, Action.EDIT),
        "can_export": has_action(user, Action.EXPORT),
        "log_url": _url("web:interaction-log", company.pk),
    }


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


@login_required
def company_timeline(request, pk: int):
    """htmx: the company's timeline (chips + first page) or, with ``cursor``, the next page."""
    company = company_or_404(request.user, pk)
    return _fragment(request, company=company, account=None)


def _fragment(request, *, company, account):
    cursor = request.GET.get("cursor") or None
    try:
        context = timeline_context(
            request,
            company=company,
            accounts=[],
            contacts=[],
            account=account,
            kind=_kind(request),
            cursor=cursor,
        )
    except ValidationError:
        return HttpResponse(_("分页游标无效，请刷新页面。"), status=400)
    template = "_timeline_items.html" if cursor else "_timeline_body.html"
    return render(request, f"xinren/activities/{template}", context)


@login_required
def account_timeline(request, pk: int):
    """The account's own timeline page (with the quick log form)."""
    account = account_or_404(request.user, pk)
    if request.htmx:
        return _fragment(request, company=account.company, account=account)
    contacts = list(account.company.contacts.all())
    context = timeline_context(
        request,
        company=account.company,
        accounts=[account],
        contacts=contacts,
        account=account,
        kind=_kind(request),
    )
    return render(request, "xinren/activities/account_timeline.html", context)


# --- writes ------------------------------------------------------------------------------------
@login_required
@require_POST
def log_interaction(request, pk: int):
    """The quick log form (customer page or account page). htmx gets the section back — a
    fresh form and the timeline with the new entry, or the form with its errors inline."""
    user = request.user
    company = company_or_404(user, pk)
    accounts = list(
        visible_accounts(user)
        .filter(company=company)
        .select_related("business_unit")
        .order_by("id")
    )
    only = request.POST.get("only_account", "")
    if only.isdigit():
        accounts = [a for a in accounts if a.pk == int(only)]
        if not accounts:
            raise Http404(_("客户账户不存在或不在您的数据范围内。"))
    contacts = list(company.contacts.all())
    form = InteractionForm(
        request.POST,
        accounts=accounts,
        contacts=contacts,
        staff=selectors.staff_candidates(user, accounts),
        actor=user,
        prefix="log",
    )

    def save():
        account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
        account.company = company
        data = form.cleaned_data
        services.log_interaction(
            actor=user,
            account=account,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            subject=data["subject"],
            summary=data["summary"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
            contacts=data["contacts"],
            staff=data["staff"],
        )

    saved = form.is_valid() and run_service(form, save)
    target = accounts[0] if only.isdigit() else None
    if saved:
        if not request.htmx:
            messages.success(request, _("互动记录已保存。"))
            if target is not None:
                return redirect("web:account-timeline", pk=target.pk)
            return redirect("web:customer-detail", pk=company.pk)
        form = None
    context = timeline_context(
        request,
        company=company,
        accounts=accounts,
        contacts=contacts,
        account=target,
        form=form,
    )
    context["saved"] = saved
    if request.htmx:
        return render(request, "xinren/activities/_timeline_section_inner.html", context)
    template = "account_timeline.html" if target is not None else "log_interaction.html"
    return render(request, f"xinren/activities/{template}", context, status=422)


@login_required
@require_POST
def complete_next_step(request, pk: int):
    interaction = _interaction_or_404(request.user, pk)
    version = posted_version(request, interaction)
    error = ""
    try:
        services.complete_next_step(
            actor=request.user, interaction=interaction, expected_version=version
        )
    except ValidationError as exc:
        error = "；".join(exc.messages)
    except ConflictError as exc:  # someone changed it meanwhile: say so, show the current state
        error = exc.message
        interaction.refresh_from_db()
    if request.htmx:
        return render(
            request,
            "xinren/activities/_next_step.html",
            {"i": interaction, "can_edit": True, "error": error},
        )
    if error:
        messages.error(request, error)
    return redirect("web:account-timeline", pk=interaction.account_id)


@login_required
def edit_interaction(request, pk: int):
    user = request.user
    interaction = _interaction_or_404(user, pk)
    if not has_action(user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    account = interaction.account
    contacts = list(account.company.contacts.all())
    initial = {
        "kind": interaction.kind,
        "occurred_at": interaction.occurred_at,
        "subject": interaction.subject,
        "summary": interaction.summary,
        "next_step": interaction.next_step,
        "next_step_due": interaction.next_step_due,
        "contacts": [c.pk for c in interaction.contacts.all()],
        "staff": [u.pk for u in interaction.staff.all()],
    }
    staff = selectors.staff_candidates(user, [account])
    named = {u.pk for u in staff}
    # whoever was named stays offered (e.g. a group-level manager who joined the visit)
    staff += [u for u in interaction.staff.select_related("org_unit") if u.pk not in named]
    form = InteractionEditForm(
        request.POST or None, accounts=[account], contacts=contacts, staff=staff, initial=initial
    )
    version = posted_version(request, interaction)

    def save():
        data = {k: form.cleaned_data[k] for k in initial}
        services.update_interaction(
            actor=user, interaction=interaction, data=data, expected_version=version
        )

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("互动记录已更新。"))
        return redirect("web:account-timeline", pk=account.pk)
    return render(
        request,
        "xinren/activities/interaction_form.html",
        {
            "form": form,
            "interaction": interaction,
            "account": account,
            "company": account.company,
            "version": interaction.version if request.method != "POST" else version,
            "can_delete": has_action(user, Action.DELETE),
        },
        status=409 if getattr(form, "conflict", False) else 200,
    )


@login_required
@require_POST
def delete_interaction(request, pk: int):
    interaction = _interaction_or_404(request.user, pk)
    services.delete_interaction(actor=request.user, interaction=interaction)
    messages.success(request, _("互动记录已删除。"))
    return redirect("web:account-timeline", pk=interaction.account_id)


@login_required
def my_next_steps(request):
    """我的跟进事项: open next steps of the accounts the user owns or serves (or of the
    interactions they took part in), due date ascending, overdue first; "done" in place."""
    page = selectors.next_steps_page(request.user, after=request.GET.get("after") or None)
    context = {
        "page": page,
        "can_edit": has_action(request.user, Action.EDIT),
        "nav": "next-steps",
        "first": not request.GET.get("after"),
    }
    return render(request, "xinren/activities/my_next_steps.html", context)
