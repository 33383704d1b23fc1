"""Administration pages: org tree, users, roles. Who may manage what is decided by
``xinren.orgs.access`` and enforced by ``xinren.orgs.services``; these views only show the
units, users and roles the signed-in user may manage."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.orgs import services
from xinren.orgs.access import can_define_roles, has_action
from xinren.orgs.models import Action, OrgUnit, Role, User
from xinren.orgs.selectors import (
    ROLE_ENTITY,
    UNIT_ENTITY,
    USER_ENTITY,
    grantable_roles,
    org_history,
    org_unit_for,
    role_for,
    user_for,
    visible_org_units,
    visible_roles,
    visible_users,
)
from xinren.web.forms import posted_version, run_service
from xinren.web.paging import keyset_page

from .forms import (
    ChangePasswordForm,
    MyAccountForm,
    OrgUnitForm,
    PasswordForm,
    RoleForm,
    UserForm,
)


def _require_configure(user) -> None:
    if not has_action(user, Action.CONFIGURE):
        raise PermissionDenied(_("您的角色没有“配置”权限。"))


def _changed(form, current: dict) -> dict:
    """Only the fields the user actually changed (services refuse edits of locked fields
    even when the value is the same, e.g. a built-in role's scope)."""
    return {k: v for k, v in form.cleaned_data.items() if k in current and current[k] != v}


def _history(user, entity: str, object_id: int):
    return org_history(user, entity, object_id)[:50]


# --- org tree -------------------------------------------------------------------------------
@login_required
def org_tree(request):
    _require_configure(request.user)
    units = visible_org_units(request.user).annotate(
        user_count=Count("users", filter=Q(users__is_active=True))
    )
    return render(request, "xinren/orgs/org_tree.html", {"units": tree_order(units), "nav": "org"})


def tree_order(units) -> list[OrgUnit]:
    """Depth-first order, siblings by code. (Sorting the materialised path as text would put
    unit 10 before unit 9.)"""
    units = list(units)
    code = {u.pk: u.code for u in units}

    def key(unit: OrgUnit):
        return tuple(code.get(int(pk), pk) for pk in unit.path.strip("/").split("/"))

    return sorted(units, key=key)


def _unit_or_404(user, pk: int) -> OrgUnit:
    try:
        return org_unit_for(user, pk)
    except OrgUnit.DoesNotExist:
        raise Http404(_("组织单元不存在或不在您的管理范围内。")) from None


@login_required
def org_unit_form(request, pk: int | None = None):
    _require_configure(request.user)
    units = visible_org_units(request.user)
    unit = _unit_or_404(request.user, pk) if pk else None
    if unit:
        initial = {f: getattr(unit, f) for f in services.UNIT_FIELDS}
        units = units.exclude(path__startswith=unit.path)  # not under itself
    else:
        initial = {"parent": request.GET.get("parent"), "kind": OrgUnit.Kind.DEPARTMENT}
    form = OrgUnitForm(request.POST or None, units=units, initial=initial)
    version = posted_version(request, unit)

    def save():
        if unit:
            services.update_org_unit(
                actor=request.user,
                unit=unit,
                data=_changed(form, initial),
                expected_version=version,
            )
        else:
            services.create_org_unit(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("组织单元已保存。"))
        return redirect("web:org-tree")
    context = {
        "form": form,
        "unit": unit,
        "version": version,
        "history": _history(request.user, UNIT_ENTITY, unit.pk) if unit else [],
        "nav": "org",
    }
    return render(request, "xinren/orgs/org_unit_form.html", context)


@login_required
@require_POST
def org_unit_delete(request, pk: int):
    unit = _unit_or_404(request.user, pk)
    try:
        services.delete_org_unit(actor=request.user, unit=unit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除组织单元：%(n)s") % {"n": unit.name})
    return redirect("web:org-tree")


# --- users ----------------------------------------------------------------------------------


@login_required
def user_list(request):
    _require_configure(request.user)
    users = visible_users(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(email__icontains=q)
        )
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        chosen = visible_org_units(request.user).filter(pk=int(unit)).first()
        users = users.filter(org_unit__path__startswith=chosen.path) if chosen else users.none()
    page = keyset_page(request, users, 50)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {
        "page": page,
        "q": q,
        "unit": unit,
        "units": visible_org_units(request.user),
        "query": query.urlencode(),
        "nav": "users",
    }
    return render(request, "xinren/orgs/users.html", context)


def _user_or_404(actor, pk: int) -> User:
    try:
        return user_for(actor, pk)
    except User.DoesNotExist:
        raise Http404(_("用户不存在或不在您的管理范围内。")) from None


@login_required
def user_form(request, pk: int | None = None):
    _require_configure(request.user)
    target = _user_or_404(request.user, pk) if pk else None
    kwargs = {
        "units": visible_org_units(request.user),
        "roles": grantable_roles(request.user),
        "creating": target is None,
    }
    initial = {f: getattr(target, f) for f in services.USER_FIELDS} if target else {}
    if target:
        initial["username"] = target.username
    form = UserForm(request.POST or None, initial=initial, **kwargs)
    version = posted_version(request, target)

    def save():
        if target:
            services.update_user(
                actor=request.user,
                user=target,
                data=_changed(form, initial),
                expected_version=version,
            )
        else:
            services.create_user(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("用户已保存。"))
        return redirect("web:user-list")
    context = {
        "form": form,
        "target": target,
        "version": version,
        "password_form": PasswordForm() if target else None,
        "history": _history(request.user, USER_ENTITY, target.pk) if target else [],
        "nav": "users",
    }
    return render(request, "xinren/orgs/user_form.html", context)


@login_required
@require_POST
def user_password(request, pk: int):
    target = _user_or_404(request.user, pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_password(
                actor=request.user, user=target, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("密码已重设。"))
    else:
        messages.error(request, _("请输入新密码。"))
    return redirect("web:user-edit", pk=pk)


# --- roles ----------------------------------------------------------------------------------
def _role_or_404(user, pk: int) -> Role:
    try:
        return role_for(user, pk)
    except Role.DoesNotExist:
        raise Http404(_("角色不存在。")) from None


@login_required
def role_list(request):
    _require_configure(request.user)
    roles = visible_roles(request.user).annotate(
        user_count=Count("users", filter=Q(users__is_active=True))
    )
    context = {
        "roles": roles,
        "can_define": can_define_roles(request.user),
        "all_actions": Action.choices,
        "nav": "roles",
    }
    return render(request, "xinren/orgs/roles.html", context)


@login_required
def role_form(request, pk: int | None = None):
    _require_configure(request.user)
    if not can_define_roles(request.user):
        raise PermissionDenied(_("只有集团级配置权限的用户可以定义角色。"))
    role = _role_or_404(request.user, pk) if pk else None
    initial = {f: getattr(role, f) for f in services.ROLE_FIELDS} if role else {}
    form = RoleForm(request.POST or None, initial=initial, creating=role is None)
    if role and role.builtin:
        for name in ("scope", "actions"):
            form.fields[name].disabled = True
    version = posted_version(request, role)

    def save():
        if role:
            services.update_role(
                actor=request.user,
                role=role,
                data=_changed(form, initial),
                expected_version=version,
            )
        else:
            services.create_role(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("角色已保存。"))
        return redirect("web:role-list")
    context = {
        "form": form,
        "role": role,
        "version": version,
        "history": _history(request.user, ROLE_ENTITY, role.pk) if role else [],
        "nav": "roles",
    }
    return render(request, "xinren/orgs/role_form.html", context)


@login_required
@require_POST
def role_delete(request, pk: int):
    role = _role_or_404(request.user, pk)
    try:
        services.delete_role(actor=request.user, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除角色：%(n)s") % {"n": role.name})
    return redirect("web:role-list")


# --- my account -----------------------------------------------------------------------------
@login_required
def my_account(request):
    """Everyone: own name, contact details, language; change own password."""
    me = User.objects.get(pk=request.user.pk)
    initial = {f: getattr(me, f) for f in services.PROFILE_FIELDS}
    profile = MyAccountForm(
        request.POST if request.POST.get("form") == "profile" else None, initial=initial
    )
    password = ChangePasswordForm(
        request.POST if request.POST.get("form") == "password" else None, user=me
    )
    version = posted_version(request, me)

    def save_profile():
        services.update_own_profile(
            user=me, data=_changed(profile, initial), expected_version=version
        )

    def save_password():
        services.set_password(actor=me, user=me, password=password.cleaned_data["password"])
        update_session_auth_hash(request, me)  # stay signed in on this device

    if profile.is_bound and profile.is_valid() and run_service(profile, save_profile):
        messages.success(request, _("已保存。"))
        response = redirect("web:my-account")
        if "preferred_language" in profile.changed_data:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    if password.is_bound and password.is_valid() and run_service(password, save_password):
        messages.success(request, _("密码已修改。"))
        return redirect("web:my-account")
    context = {"profile": profile, "password": password, "version": me.version}
    return render(request, "xinren/orgs/my_account.html", context)
