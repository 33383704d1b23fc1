"""Pages: the data-quality dashboard (scoped), my quality tasks, the per-subsidiary settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.orgs.access import has_action, manageable_units, user_scope
from xinren.orgs.models import Action, OrgUnit, User
from xinren.web.forms import run_service

from . import selectors, services
from .forms import AssignForm, ProfileForm
from .models import QualityProfile

WORST_ON_PAGE = 20


def _drill(request) -> dict[str, int | None]:
    """The drill-down filters from the query string (ignored when not a number)."""
    out: dict[str, int | None] = {}
    for name in ("subsidiary", "department", "owner"):
        value = request.GET.get(name, "")
        out[name] = int(value) if value.isdigit() and int(value) < 2**63 else None
    return out


def _group_by(user: User, drill: dict) -> str:
    """What the breakdown lists at this level: subsidiaries for HQ, then departments, then
    reps; a rep's own view lists just themselves."""
    if drill["department"] or drill["owner"]:
        return "rep"
    if drill["subsidiary"]:
        return "department"
    spec = user_scope(user)
    if spec.everything:
        return "subsidiary"
    if spec.business_unit_id is not None or spec.unit_path is not None:
        return "department"
    return "rep"


def _crumbs(drill: dict) -> list[tuple[str, str]]:
    from xinren.web.templatetags.xinren_tags import localized_name

    crumbs = []
    if drill["subsidiary"]:
        unit = OrgUnit.objects.filter(pk=drill["subsidiary"]).first()
        crumbs.append((f"?subsidiary={drill['subsidiary']}", localized_name(unit) if unit else ""))
    if drill["department"]:
        unit = OrgUnit.objects.filter(pk=drill["department"]).first()
        query = f"?department={drill['department']}"
        if drill["subsidiary"]:
            query += f"&subsidiary={drill['subsidiary']}"
        crumbs.append((query, localized_name(unit) if unit else ""))
    if drill["owner"]:
        person = User.objects.filter(pk=drill["owner"]).first()
        crumbs.append(("", str(person) if person else ""))
    return crumbs


def _dashboard_context(request, job=None) -> dict:
    user = request.user
    drill = _drill(request)
    group_by = _group_by(user, drill)
    worst = selectors.worst_page(user, WORST_ON_PAGE, **drill)
    total, rows = selectors.summary(user, group_by, **drill)
    return {
        "nav": "quality",
        "drill": drill,
        "crumbs": _crumbs(drill),
        "group_by": group_by,
        "total": total,
        "rows": rows,
        "worst": worst,
        "trend": selectors.trend(user),
        "computed_at": selectors.last_refresh(user),
        "assign_form": AssignForm(),
        "can_assign": has_action(user, Action.EDIT),
        "can_refresh": has_action(user, Action.CONFIGURE),
        "job": job,
    }


@login_required
def dashboard(request):
    """Cards, trend, breakdown and worst records; a breakdown row's link drills down (the
    cards and the worst records follow the level, the trend stays the user's scope)."""
    return render(request, "xinren/quality/measures/dashboard.html", _dashboard_context(request))


@login_required
@require_POST
def refresh(request):
    """Recompute every score now as a job; the page shows its progress bar."""
    from .tasks import start_refresh

    if not has_action(request.user, Action.CONFIGURE):
        raise PermissionDenied(_("您的角色没有“配置”权限。"))
    job = start_refresh(request.user)
    return render(
        request, "xinren/quality/measures/dashboard.html", _dashboard_context(request, job)
    )


@login_required
@require_POST
def assign(request):
    """Tasks for the owners of the worst records of the current drill-down level."""
    form = AssignForm(request.POST)
    drill = {
        name: int(v) if (v := request.POST.get(name, "")).isdigit() and int(v) < 2**63 else None
        for name in ("subsidiary", "department", "owner")
    }
    if form.is_valid():
        try:
            tasks = services.assign_tasks(
                actor=request.user, limit=form.cleaned_data["limit"], **drill
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if tasks:
                messages.success(
                    request,
                    _("已为 %(n)s 条未达标的客户档案分派质量任务，并通知了归属人。")
                    % {"n": len(tasks)},
                )
            else:
                messages.info(request, _("没有需要分派的记录：未达标的记录都已有待处理任务。"))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    query = "&".join(f"{k}={v}" for k, v in drill.items() if v)
    return redirect(f"/quality/{'?' + query if query else ''}")


@login_required
def my_tasks(request):
    status = request.GET.get("status") or "open"
    if status not in ("open", "done"):
        status = "open"
    tasks = list(selectors.my_tasks(request.user, status)[:200])
    scores = selectors.current_scores(tasks)
    return render(
        request,
        "xinren/quality/measures/my_tasks.html",
        {
            "nav": "quality-tasks",
            "status": status,
            "rows": [(t, scores.get(t.account_id)) for t in tasks],
        },
    )


@login_required
def profile_settings(request):
    """Required and optional fields per subsidiary (and the group default); configure right."""
    if not has_action(request.user, Action.CONFIGURE):
        raise PermissionDenied(_("您的角色没有“配置”权限。"))
    units = list(
        manageable_units(request.user).filter(
            kind__in=[OrgUnit.Kind.GROUP, OrgUnit.Kind.SUBSIDIARY]
        )
    )
    if not units:
        raise PermissionDenied(_("您无权配置任何公司的数据质量标准。"))
    chosen = request.POST.get("unit") or request.GET.get("unit") or ""
    unit = next((u for u in units if str(u.pk) == chosen), units[0])
    own = QualityProfile.objects.filter(business_unit=unit).first()
    profile = services.profile_for(unit)
    if request.method == "POST" and request.POST.get("reset"):
        services.reset_profile(actor=request.user, business_unit=unit)
        messages.success(request, _("%(n)s 已改用集团默认标准。") % {"n": unit.name})
        return redirect(f"/quality/settings/?unit={unit.pk}")
    form = ProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version", "")

        def save():
            services.save_profile(
                actor=request.user,
                business_unit=unit,
                required=form.chosen("required"),
                optional=form.chosen("optional"),
                min_completeness=form.cleaned_data["min_completeness"],
                min_validity=form.cleaned_data["min_validity"],
                expected_version=int(version) if version.isdigit() and own else None,
            )

        if run_service(form, save):
            messages.success(
                request, _("数据质量标准已保存：%(n)s（下次刷新时生效）。") % {"n": unit.name}
            )
            return redirect(f"/quality/settings/?unit={unit.pk}")
    return render(
        request,
        "xinren/quality/measures/settings.html",
        {
            "nav": "quality-settings",
            "units": units,
            "unit": unit,
            "own": own,
            "inherits": own is None,
            "form": form,
        },
    )
