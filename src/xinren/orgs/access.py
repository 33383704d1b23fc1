"""Who may do what, to which customers. One function per rule; every page, API call,
export and job asks these, never its own ``if``.

``user_scope(user)`` answers *which* customer accounts a user reaches (the data scope);
``has_action(user, action)`` answers *what* they may do with them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import SCOPE_RANK, Action, OrgUnit, Role, Scope, User

ALL_ACTIONS = [a.value for a in Action]

# code, Chinese name, English name, scope, actions
BUILTIN_ROLES: list[tuple[str, str, str, str, list[str]]] = [
    ("group_admin", "集团管理员", "Group administrator", Scope.GROUP, ALL_ACTIONS),
    ("subsidiary_admin", "子公司管理员", "Subsidiary administrator", Scope.SUBSIDIARY, ALL_ACTIONS),
    (
        "department_head",
        "部门负责人",
        "Department head",
        Scope.DEPARTMENT,
        ["view", "create", "edit", "delete", "export", "approve", "merge", "view_sensitive"],
    ),
    (
        "sales_rep",
        "销售代表",
        "Sales representative",
        Scope.OWN,
        ["view", "create", "edit", "export", "view_sensitive"],
    ),
    ("service_agent", "客服专员", "Service agent", Scope.OWN, ["view", "edit", "view_sensitive"]),
    (
        "risk_officer",
        "风控专员",
        "Risk officer",
        Scope.SUBSIDIARY,
        ["view", "export", "approve", "view_sensitive"],
    ),
    ("auditor", "只读审计员", "Read-only auditor", Scope.GROUP, ["view", "export"]),
]


@dataclass(frozen=True)
class ScopeSpec:
    """The customer accounts a user reaches, in terms any account-shaped table can filter on.

    ``everything``: no filter. Otherwise an account is in scope when the user owns or serves
    it, or its owning unit lies under ``unit_path`` (department scope: the unit and its
    sub-departments), or it belongs to ``business_unit_id`` (subsidiary scope).
    """

    user_id: int | None
    everything: bool = False
    unit_path: str | None = None
    business_unit_id: int | None = None
    nothing: bool = False

    @cached_property
    def unit_ids(self) -> tuple[int, ...] | None:
        """The ids of the department subtree (one query, only when a caller needs the list)."""
        if self.unit_path is None:
            return None
        return tuple(
            OrgUnit.objects.filter(path__startswith=self.unit_path).values_list("id", flat=True)
        )


def effective_scope(user: User) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Scope.GROUP
    if user.role_id is None or user.org_unit_id is None:
        return None
    return user.role.scope


def has_action(user: User, action: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.role_id is None or user.org_unit_id is None:
        return False
    return action in user.role.actions


def require_action(user: User, action: str) -> None:
    if not has_action(user, action):
        raise PermissionDenied(
            _("您的角色没有“%(action)s”权限。") % {"action": Action(action).label}
        )


def subtree_ids(unit: OrgUnit) -> tuple[int, ...]:
    return tuple(OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def user_scope(user: User) -> ScopeSpec:
    """The user's data scope, computed once per user object (a request's ``request.user``):
    a page or API call asks several selectors, and each used to look the department subtree
    up again. The cache key holds everything the answer depends on except the subtree's
    membership, which a request does not change under itself."""
    role = user.role if getattr(user, "role_id", None) else None
    key = (
        user.pk,
        user.is_active,
        getattr(user, "is_superuser", False),
        getattr(user, "role_id", None),
        role.scope if role else None,
        getattr(user, "org_unit_id", None),
    )
    cached = getattr(user, "_xinren_scope", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    spec = _compute_scope(user)
    with contextlib.suppress(AttributeError):  # an object that takes no attributes
        user._xinren_scope = (key, spec)
    return spec


def _compute_scope(user: User) -> ScopeSpec:
    scope = effective_scope(user)
    if scope is None:
        return ScopeSpec(user_id=None, nothing=True)
    if scope == Scope.GROUP:
        return ScopeSpec(user_id=user.pk, everything=True)
    unit = user.org_unit
    if scope == Scope.SUBSIDIARY:
        return ScopeSpec(user_id=user.pk, business_unit_id=unit.business_unit_id)
    if scope == Scope.DEPARTMENT:
        return ScopeSpec(user_id=user.pk, unit_path=unit.path)
    return ScopeSpec(user_id=user.pk)


def manageable_units(user: User):
    """Org units whose structure and users this user may manage (needs ``configure``)."""
    if not has_action(user, Action.CONFIGURE):
        return OrgUnit.objects.none()
    scope = effective_scope(user)
    if scope == Scope.GROUP:
        return OrgUnit.objects.all()
    unit = user.org_unit
    if scope == Scope.SUBSIDIARY:
        return OrgUnit.objects.filter(path__startswith=unit.business_unit.path)
    if scope == Scope.DEPARTMENT:
        return OrgUnit.objects.filter(path__startswith=unit.path)
    return OrgUnit.objects.filter(pk=unit.pk)


def can_grant_role(granter: User, role: Role) -> bool:
    """No one hands out more than they hold: a role is assignable when its scope is no wider
    and its actions are a subset of the granter's own."""
    if granter.is_superuser:
        return True
    if not has_action(granter, Action.CONFIGURE) or granter.role_id is None:
        return False
    own = granter.role
    return SCOPE_RANK[Scope(role.scope)] <= SCOPE_RANK[Scope(own.scope)] and set(
        role.actions
    ) <= set(own.actions)


def can_define_roles(user: User) -> bool:
    """Roles are group-wide definitions: only a group-scope configurer edits them."""
    return has_action(user, Action.CONFIGURE) and effective_scope(user) == Scope.GROUP
