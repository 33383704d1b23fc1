"""Pages: set an account's tier; a subsidiary's visit cadence."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xinren.customers.views import account_or_404
from xinren.orgs.access import has_action
from xinren.orgs.models import Action, OrgUnit
from xinren.orgs.selectors import visible_org_units
from xinren.web.forms import run_service

from . import selectors, services
from .forms import PolicyForm, TierForm
from .models import AccountTier


@login_required
def account_tier(request, pk: int):
    account = account_or_404(request.user, pk)
    if not has_action(request.user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    status = selectors.visit_status(request.user, pk)
    form = TierForm(request.POST or None, initial={"tier": status.tier})
    version = request.POST.get("version", "")

    def save():
        current = AccountTier.objects.get(pk=account.pk).version
        services.set_tier(
            actor=request.user,
            account=account,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            expected_version=int(version) if version.isdigit() else current,
        )

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("客户等级已调整。"))
        return redirect("web:customer-detail", pk=account.company_id)
    record = services.tier_record(account)
    context = {
        "account": account,
        "company": account.company,
        "form": form,
        "status": status,
        "version": record.version,
        "history": selectors.tier_history(request.user, pk)[:50],
    }
    return render(
        request,
        "xinren/cadence/account_tier.html",
        context,
        status=409 if getattr(form, "conflict", False) else 200,
    )


@login_required
def visit_policies(request):
    """Visit cadence per subsidiary (configure right, subsidiaries one manages)."""
    if not has_action(request.user, Action.CONFIGURE):
        raise PermissionDenied(_("您的角色没有“配置”权限。"))
    units = [
        u
        for u in visible_org_units(request.user).filter(
            kind__in=[OrgUnit.Kind.GROUP, OrgUnit.Kind.SUBSIDIARY]
        )
    ]
    chosen_id = request.POST.get("unit") or request.GET.get("unit")
    forms_by_unit = []
    for unit in units:
        current = selectors.visit_policies(unit.pk)
        bound = request.method == "POST" and str(unit.pk) == chosen_id
        form = PolicyForm(request.POST if bound else None, current=current, prefix=f"u{unit.pk}")
        if bound and form.is_valid():

            def save(unit=unit, form=form, current=current):
                for tier, days in form.cleaned_data.items():
                    if days != current[tier]:
                        services.set_visit_policy(
                            actor=request.user, business_unit=unit, tier=tier, visit_every_days=days
                        )

            if run_service(form, save):
                messages.success(request, _("拜访频率已保存：%(n)s") % {"n": unit.name})
                return redirect("web:visit-policies")
        forms_by_unit.append((unit, form))
    return render(
        request, "xinren/cadence/visit_policies.html", {"forms": forms_by_unit, "nav": "cadence"}
    )
