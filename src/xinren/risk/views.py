"""Risk pages: the scoped list of high/medium accounts (with the re-score job), an account's
risk panel with explained factors and history, and the credit-policy settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import account_for
from xinren.jobs.services import submit
from xinren.orgs.access import has_action, require_action
from xinren.orgs.models import Action
from xinren.web.paging import keyset_page

from . import rules, selectors, services
from .models import CreditPolicy, CreditSetting
from .policy import certificate_required, certification_of, group_root, policies_for
from .tasks import JOB_KIND

PAGE = 50


@login_required
def risk_list(request):
    require_action(request.user, Action.VIEW)
    level = request.GET.get("level", "")
    if level in (rules.RiskLevel.HIGH, rules.RiskLevel.MEDIUM):
        rows = selectors.assessments(request.user, (level,))
    else:
        level, rows = "", selectors.assessments(request.user)
    page = keyset_page(request, rows.order_by(), PAGE)
    return render(
        request,
        "xinren/risk/list.html",
        {
            "page": page,
            "level": level,
            "can_rescore": has_action(request.user, Action.CONFIGURE),
            "nav": "risk",
        },
    )


@login_required
@require_POST
def rescore(request):
    require_action(request.user, Action.CONFIGURE)
    job = submit(
        JOB_KIND,
        request.user,
        "xinren.risk.tasks.rescore",
        actor_id=request.user.pk,
        language=request.LANGUAGE_CODE,
    )
    return render(request, "xinren/risk/_job.html", {"job": job})


@login_required
def account_risk(request, pk: int):
    require_action(request.user, Action.VIEW)
    try:
        account = account_for(request.user, pk)
    except CustomerAccount.DoesNotExist:
        raise Http404 from None
    assessment = selectors.assessment_of(account)
    factors = [
        {**f, "label": rules.factor_label(f), "group_label": rules.GROUPS[f["group"]]}
        for f in (assessment.factors if assessment else [])
    ]
    policy = policies_for(account.business_unit_id)[
        assessment.level if assessment else rules.RiskLevel.LOW
    ]
    return render(
        request,
        "xinren/risk/account.html",
        {
            "account": account,
            "assessment": assessment,
            "factors": factors,
            "not_assessed": selectors.not_assessed(account),
            "history": selectors.history_of(account),
            "policy": policy,
            "certification": certification_of(account),
            "nav": "risk",
        },
    )


@login_required
def policy_settings(request):
    """Credit policy per level for one subsidiary (or the group default)."""
    require_action(request.user, Action.CONFIGURE)
    units = list(services.configurable_units(request.user).order_by("path"))
    if not units:
        raise Http404
    root = group_root()
    wanted = request.GET.get("unit") or request.POST.get("unit")
    unit = next((u for u in units if str(u.pk) == wanted), units[0])
    errors: list[dict] = []
    if request.method == "POST":
        data = {
            level: {
                "prepayment_only": request.POST.get(f"{level}-prepayment_only") == "on",
                "max_credit_days": request.POST.get(f"{level}-max_credit_days", ""),
                "credit_limit": request.POST.get(f"{level}-credit_limit", ""),
            }
            for level in rules.RiskLevel.values
        }
        try:
            services.set_policies(
                actor=request.user,
                business_unit=unit,
                data=data,
                certificate_required=request.POST.get("certificate_required") == "on",
            )
        except ValidationError as exc:
            errors = error_items(exc)
        else:
            messages.success(request, _("信用政策已保存。"))
            return redirect(f"{request.path}?unit={unit.pk}")
    policies = policies_for(unit.pk)
    configured = set(
        CreditPolicy.objects.filter(business_unit=unit).values_list("level", flat=True)
    )
    return render(
        request,
        "xinren/risk/policy.html",
        {
            "units": units,
            "unit": unit,
            "is_group": root is not None and unit.pk == root.pk,
            "rows": [
                (level, label, policies[level], level in configured)
                for level, label in rules.RiskLevel.choices
            ],
            "certificate_required": certificate_required(unit.pk),
            "certificate_required_own": CreditSetting.objects.filter(business_unit=unit).exists(),
            "errors": errors,
            "nav": "risk",
        },
        status=422 if errors else 200,
    )
