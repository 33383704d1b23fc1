"""API schemas of the org tree, users, roles, tokens and change history, and the pieces every
API schema shares (text without NUL characters, the error shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .access import ALL_ACTIONS, can_grant_role, effective_scope, has_action
from .models import OrgUnit, Scope


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it as bad input instead of failing on save.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "文本中不能包含 NUL 字符。")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
# Ids reach the database as 64-bit integers: larger numbers are bad input, not a crash.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
ActionName = Literal[tuple(ALL_ACTIONS)]  # type: ignore[valid-type]
ScopeName = Literal[tuple(Scope.values)]  # type: ignore[valid-type]
UnitKind = Literal[tuple(OrgUnit.Kind.values)]  # type: ignore[valid-type]


def request_user(context: dict[str, Any]):
    """The authenticated caller, from ninja's serialisation context."""
    return context["request"].auth


# --- shared -----------------------------------------------------------------------------------
class ErrorItem(Schema):
    field: str
    rule: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []
    current_version: int | None = None


class ChangeOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    object_id: int
    object_repr: str
    changes: dict[str, dict[str, Any]]


class ChangePage(Schema):
    items: list[ChangeOut]
    next_cursor: str | None


# --- org units --------------------------------------------------------------------------------
class OrgUnitOut(Schema):
    id: int
    name: str
    name_en: str
    code: str
    kind: str
    parent_id: int | None
    business_unit_id: int | None
    path: str
    depth: int
    version: int
    created_at: datetime
    updated_at: datetime


class OrgUnitPage(Schema):
    items: list[OrgUnitOut]
    next_cursor: str | None


class OrgUnitIn(Schema):
    name: Text
    code: Text
    kind: UnitKind
    parent_id: Id
    name_en: Text = ""


class OrgUnitPatch(Schema):
    version: int
    name: Text = None
    name_en: Text = None
    code: Text = None
    kind: UnitKind = None
    parent_id: Id = None


# --- roles ------------------------------------------------------------------------------------
class RoleOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    description: str
    scope: str
    actions: list[str]
    builtin: bool
    version: int
    grantable: bool = False

    @staticmethod
    def resolve_grantable(obj, context) -> bool:
        return can_grant_role(request_user(context), obj)


class RolePage(Schema):
    items: list[RoleOut]
    next_cursor: str | None


class RoleIn(Schema):
    code: Text
    name: Text
    scope: ScopeName
    actions: list[ActionName]
    name_en: Text = ""
    description: Text = ""


class RolePatch(Schema):
    version: int
    code: Text = None
    name: Text = None
    name_en: Text = None
    description: Text = None
    scope: ScopeName = None
    actions: list[ActionName] = None


# --- users ------------------------------------------------------------------------------------
class UserBrief(Schema):
    id: int
    username: str
    full_name: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    work_phone: str
    org_unit_id: int | None
    org_unit_name: str | None = None
    role_id: int | None
    role_code: str | None = None
    role_name: str | None = None
    is_active: bool
    is_superuser: bool
    preferred_language: str
    last_login: datetime | None
    date_joined: datetime
    version: int

    @staticmethod
    def resolve_org_unit_name(obj) -> str | None:
        return obj.org_unit.name if obj.org_unit_id else None

    @staticmethod
    def resolve_role_code(obj) -> str | None:
        return obj.role.code if obj.role_id else None

    @staticmethod
    def resolve_role_name(obj) -> str | None:
        return obj.role.name if obj.role_id else None


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class MeOut(UserOut):
    scope: str | None = None
    actions: list[str] = []

    @staticmethod
    def resolve_scope(obj) -> str | None:
        scope = effective_scope(obj)
        return str(scope) if scope else None

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return [a for a in ALL_ACTIONS if has_action(obj, a)]


class UserIn(Schema):
    username: Text
    password: Text
    org_unit_id: Id
    role_id: Id
    full_name: Text = ""
    email: Text = ""
    work_phone: Text = ""


class UserPatch(Schema):
    version: int
    username: Text = None
    full_name: Text = None
    email: Text = None
    work_phone: Text = None
    org_unit_id: Id = None
    role_id: Id = None
    is_active: bool = None
    preferred_language: Literal["", "zh-hans", "en"] = None


class PasswordIn(Schema):
    password: Text


# --- tokens -----------------------------------------------------------------------------------
class TokenIn(Schema):
    username: Text
    password: Text


class TokenOut(Schema):
    token: str
    expires_at: datetime
    user: MeOut
