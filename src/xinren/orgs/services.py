"""Every write to the org tree, users and roles. Keyword-only, validated, audited, atomic."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned

from . import access
from .models import Action, OrgUnit, Role, Scope, User

UNIT_FIELDS = ["name", "name_en", "code", "kind", "parent"]
USER_FIELDS = [
    "username",
    "full_name",
    "email",
    "work_phone",
    "org_unit",
    "role",
    "is_active",
    "preferred_language",
]
ROLE_FIELDS = ["code", "name", "name_en", "description", "scope", "actions"]
# What anyone may change about themselves, without the configure right.
PROFILE_FIELDS = ["full_name", "email", "work_phone", "preferred_language"]


# --- org units ------------------------------------------------------------------------------
def _require_manage_unit(actor: User, unit: OrgUnit | None) -> None:
    access.require_action(actor, Action.CONFIGURE)
    if unit is not None and not access.manageable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权管理该组织单元。"))


def _place(unit: OrgUnit) -> None:
    """Compute path and business unit from the parent (the parent is already placed)."""
    parent = unit.parent
    if unit.kind == OrgUnit.Kind.GROUP:
        if parent is not None:
            raise field_error("parent", _("集团总部不能有上级。"), "group_is_root")
    elif parent is None:
        raise field_error("parent", _("子公司和部门必须有上级。"), "required")
    elif unit.kind == OrgUnit.Kind.SUBSIDIARY and parent.kind == OrgUnit.Kind.DEPARTMENT:
        raise field_error(
            "parent", _("子公司的上级必须是集团或子公司。"), "subsidiary_under_department"
        )
    if parent is not None and unit.path and parent.path.startswith(unit.path):
        raise field_error("parent", _("不能把组织单元移到它自己的下级。"), "cycle")
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.business_unit = unit if unit.is_business_unit() else parent.business_unit


def _replace_subtree(unit: OrgUnit, old_path: str) -> None:
    for child in (
        OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("path")
    ):
        parent = OrgUnit.objects.get(pk=child.parent_id)
        child.path = f"{parent.path}{child.pk}/"
        child.business_unit_id = child.pk if child.is_business_unit() else parent.business_unit_id
        child.save(update_fields=["path", "business_unit"])


@transaction.atomic
def create_org_unit(
    *,
    actor: User | None,
    name: str,
    code: str,
    kind: str,
    parent: OrgUnit | None = None,
    name_en: str = "",
) -> OrgUnit:
    if actor is not None:
        _require_manage_unit(actor, parent)
        if parent is None:
            raise PermissionDenied(_("只有系统管理员可以创建集团根节点。"))
    unit = OrgUnit(
        name=name.strip(), name_en=name_en.strip(), code=code.strip(), kind=kind, parent=parent
    )
    unit.full_clean(exclude=["path", "business_unit"])
    if kind == OrgUnit.Kind.GROUP and OrgUnit.objects.filter(kind=OrgUnit.Kind.GROUP).exists():
        raise field_error("kind", _("集团总部只能有一个。"), "unique")
    unit.save()
    _place(unit)
    unit.save(update_fields=["path", "business_unit"])
    record_change(
        actor=actor, action="create", instance=unit, after=snapshot(unit), org_unit_id=unit.pk
    )
    return unit


@transaction.atomic
def update_org_unit(
    *, actor: User, unit: OrgUnit, data: dict[str, Any], expected_version: int
) -> OrgUnit:
    _require_manage_unit(actor, unit)
    before = snapshot(unit)
    old_path = unit.path
    for key, value in data.items():
        if key not in UNIT_FIELDS:
            raise field_error(key, _("不能修改此字段。"), "read_only")
        setattr(unit, key, value.strip() if isinstance(value, str) else value)
    if "parent" in data and data["parent"] is not None:
        _require_manage_unit(actor, data["parent"])
    if "kind" in data and data["kind"] != before["kind"] and unit.children.exists():
        raise field_error("kind", _("有下级的组织单元不能改变类型。"), "has_children")
    unit.full_clean(exclude=["path", "business_unit"])
    _place(unit)
    save_versioned(unit, expected_version, UNIT_FIELDS + ["path", "business_unit", "updated_at"])
    if unit.path != old_path or before.get("kind") != unit.kind:
        _replace_subtree(unit, old_path)
    record_change(
        actor=actor,
        action="update",
        instance=unit,
        before=before,
        after=snapshot(unit),
        org_unit_id=unit.pk,
    )
    return unit


@transaction.atomic
def delete_org_unit(*, actor: User, unit: OrgUnit) -> None:
    _require_manage_unit(actor, unit)
    access.require_action(actor, Action.DELETE)
    if unit.children.exists():
        raise field_error("unit", _("请先删除或移走下级组织单元。"), "has_children")
    if unit.users.exists():
        raise field_error("unit", _("该组织单元下还有用户。"), "has_users")
    from django.db.models import ProtectedError

    before = snapshot(unit)
    pk = unit.pk
    try:
        unit.delete()
    except ProtectedError as exc:
        raise field_error("unit", _("该组织单元仍被客户记录引用，不能删除。"), "in_use") from exc
    unit.pk = pk
    record_change(actor=actor, action="delete", instance=unit, before=before, org_unit_id=pk)


# --- roles ----------------------------------------------------------------------------------
def _clean_actions(actions: list[str]) -> list[str]:
    unknown = [a for a in actions if a not in access.ALL_ACTIONS]
    if unknown:
        raise field_error("actions", _("未知权限：%(a)s") % {"a": ", ".join(unknown)}, "choice")
    return [a for a in access.ALL_ACTIONS if a in set(actions)]


def _require_role_admin(actor: User) -> None:
    if not access.can_define_roles(actor):
        raise PermissionDenied(_("只有集团级配置权限的用户可以定义角色。"))


@transaction.atomic
def create_role(
    *,
    actor: User | None,
    code: str,
    name: str,
    scope: str,
    actions: list[str],
    name_en: str = "",
    description: str = "",
    builtin: bool = False,
) -> Role:
    if actor is not None:
        _require_role_admin(actor)
    role = Role(
        code=code.strip(),
        name=name.strip(),
        name_en=name_en.strip(),
        description=description,
        scope=scope,
        actions=_clean_actions(actions),
        builtin=builtin,
    )
    role.full_clean()
    role.save()
    record_change(actor=actor, action="create", instance=role, after=snapshot(role))
    return role


@transaction.atomic
def update_role(*, actor: User, role: Role, data: dict[str, Any], expected_version: int) -> Role:
    _require_role_admin(actor)
    before = snapshot(role)
    for key, value in data.items():
        if key not in ROLE_FIELDS:
            raise field_error(key, _("不能修改此字段。"), "read_only")
        if role.builtin and key in {"code", "scope", "actions"}:
            raise field_error(
                key, _("内置角色的编码、数据范围和权限不能修改，请新建角色。"), "builtin"
            )
        setattr(role, key, _clean_actions(value) if key == "actions" else value)
    role.full_clean()
    save_versioned(role, expected_version, ROLE_FIELDS)
    record_change(actor=actor, action="update", instance=role, before=before, after=snapshot(role))
    return role


@transaction.atomic
def delete_role(*, actor: User, role: Role) -> None:
    _require_role_admin(actor)
    if role.builtin:
        raise field_error("role", _("内置角色不能删除。"), "builtin")
    if role.users.exists():
        raise field_error("role", _("仍有用户使用该角色。"), "in_use")
    before, pk = snapshot(role), role.pk
    role.delete()
    role.pk = pk
    record_change(actor=actor, action="delete", instance=role, before=before)


def ensure_builtin_roles() -> None:
    """Create or refresh the built-in roles (idempotent; run by a migration and by demo)."""
    for code, name, name_en, scope, actions in access.BUILTIN_ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "scope": scope,
                "actions": list(actions),
                "builtin": True,
            },
        )


# --- users ----------------------------------------------------------------------------------
def _check_user_placement(actor: User | None, org_unit: OrgUnit | None, role: Role | None) -> None:
    if actor is None:
        return
    if org_unit is None or not access.manageable_units(actor).filter(pk=org_unit.pk).exists():
        raise field_error("org_unit", _("您无权在该组织单元管理用户。"), "out_of_scope")
    if role is not None and not access.can_grant_role(actor, role):
        raise field_error("role", _("不能授予比您自己更大的权限。"), "escalation")


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    org_unit: OrgUnit | None,
    role: Role | None,
    full_name: str = "",
    email: str = "",
    work_phone: str = "",
    is_superuser: bool = False,
) -> User:
    if actor is not None:
        access.require_action(actor, Action.CONFIGURE)
        if is_superuser and not actor.is_superuser:
            raise PermissionDenied(_("只有系统管理员可以创建系统管理员。"))
    _check_user_placement(actor, org_unit, role)
    from xinren.standards.phone import normalize_phone

    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        email=email.strip(),
        work_phone=normalize_phone(work_phone, field="work_phone") if work_phone else "",
        org_unit=org_unit,
        role=role,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record_change(
        actor=actor,
        action="create",
        instance=user,
        after=snapshot(user),
        org_unit_id=user.org_unit_id,
    )
    return user


@transaction.atomic
def update_user(*, actor: User, user: User, data: dict[str, Any], expected_version: int) -> User:
    access.require_action(actor, Action.CONFIGURE)
    _check_user_placement(actor, user.org_unit, None)
    before = snapshot(user)
    for key, value in data.items():
        if key not in USER_FIELDS:
            raise field_error(key, _("不能修改此字段。"), "read_only")
        if key == "work_phone" and value:
            from xinren.standards.phone import normalize_phone

            value = normalize_phone(value, field="work_phone")
        setattr(user, key, value.strip() if isinstance(value, str) else value)
    _check_user_placement(actor, user.org_unit, user.role if "role" in data else None)
    if user.pk == actor.pk and (user.role_id != before.get("role_id") or not user.is_active):
        raise field_error("role", _("不能修改自己的角色或停用自己。"), "self")
    user.full_clean(exclude=["password"])
    save_versioned(user, expected_version, USER_FIELDS)
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before=before,
        after=snapshot(user),
        org_unit_id=user.org_unit_id,
    )
    return user


@transaction.atomic
def set_password(*, actor: User, user: User, password: str) -> None:
    if actor.pk != user.pk:
        access.require_action(actor, Action.CONFIGURE)
        _check_user_placement(actor, user.org_unit, None)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before={"password": "***"},
        after={"password": "*** (changed)"},
        org_unit_id=user.org_unit_id,
    )


@transaction.atomic
def update_own_profile(*, user: User, data: dict[str, Any], expected_version: int) -> User:
    """A user edits their own name, contact details and interface language."""
    before = snapshot(user)
    for key, value in data.items():
        if key not in PROFILE_FIELDS:
            raise field_error(key, _("不能修改此字段。"), "read_only")
        if key == "work_phone" and value:
            from xinren.standards.phone import normalize_phone

            value = normalize_phone(value, field="work_phone")
        setattr(user, key, value.strip() if isinstance(value, str) else value)
    if user.preferred_language not in ("", "zh-hans", "en"):
        raise field_error("preferred_language", _("不支持的界面语言。"), "choice")
    user.full_clean(exclude=["password"])
    save_versioned(user, expected_version, PROFILE_FIELDS)
    record_change(
        actor=user,
        action="update",
        instance=user,
        before=before,
        after=snapshot(user),
        org_unit_id=user.org_unit_id,
    )
    return user


@transaction.atomic
def delete_user(*, actor: User, user: User) -> None:
    """Users are deactivated, not erased: history and customer ownership keep pointing at them."""
    access.require_action(actor, Action.CONFIGURE)
    _check_user_placement(actor, user.org_unit, None)
    if user.pk == actor.pk:
        raise field_error("user", _("不能停用自己。"), "self")
    update_user(actor=actor, user=user, data={"is_active": False}, expected_version=user.version)


def scope_label(scope: str) -> str:
    return str(Scope(scope).label)
