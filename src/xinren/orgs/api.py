"""REST endpoints of sign-in tokens, the org tree, users and roles. Parse → call a selector or
service → schema: every rule lives in :mod:`xinren.orgs.services` and :mod:`.access`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.5 answers (status, body) tuples

    def Status(status_code, value):  # noqa: N802
        return status_code, value


from xinren.core.errors import field_error
from xinren.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, cursor_page

from . import selectors, services
from .auth import issue_token, revoke_token
from .models import OrgUnit, Role, User
from .schemas import (
    ChangePage,
    ErrorOut,
    Id,
    MeOut,
    OrgUnitIn,
    OrgUnitOut,
    OrgUnitPage,
    OrgUnitPatch,
    PasswordIn,
    RoleIn,
    RoleOut,
    RolePage,
    RolePatch,
    Text,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPage,
    UserPatch,
)

router = Router()

# Error answers every authenticated operation may give (see xinren.api for the handlers).
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Cursor = Text | None


@contextmanager
def api_field_names(mapping: dict[str, str]) -> Iterator[None]:
    """Services name model fields (``owner``); the API's clients sent ``owner_id``."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {mapping.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


def page_size() -> int:
    """The ``limit`` query parameter: rows per page, at most MAX_LIMIT."""
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page (max 200)")


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def _unit_ref(actor: User, unit_id: int, field: str) -> OrgUnit:
    unit = selectors.visible_org_units(actor).filter(pk=unit_id).first()
    if unit is None:
        raise field_error(field, _("组织单元不存在或不在您的管理范围内。"), "not_found")
    return unit


def _role_ref(actor: User, role_id: int, field: str = "role_id") -> Role:
    role = selectors.visible_roles(actor).filter(pk=role_id).first()
    if role is None:
        raise field_error(field, _("角色不存在。"), "not_found")
    return role


# --- sign-in ----------------------------------------------------------------------------------
@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    summary="Obtain a bearer token",
)
def obtain_token(request, payload: TokenIn):
    """Five failed attempts lock the user name for a while (429, rule ``locked``)."""
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        message = _("用户名或密码错误。")
        return Status(
            401,
            {
                "detail": message,
                "errors": [
                    {"field": "password", "rule": "invalid_credentials", "message": message}
                ],
            },
        )
    # A token is a sign-in: tell listeners (django-axes resets the failure count, Django
    # records last_login) without starting a browser session.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    raw, token = issue_token(user)
    user = User.objects.select_related("org_unit", "role").get(pk=user.pk)
    return {"token": raw, "expires_at": token.expires_at, "user": user}


@router.delete("/auth/token", response={204: None, 400: ErrorOut, 401: ErrorOut}, tags=["auth"])
def revoke(request):
    """Revoke the bearer token this request was made with."""
    raw = _bearer(request)
    if not raw:
        raise HttpError(400, _("此操作需要用 Bearer 令牌调用。"))
    revoke_token(raw)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, tags=["auth"])
def me(request):
    return User.objects.select_related("org_unit", "role").get(pk=request.auth.pk)


# --- org units --------------------------------------------------------------------------------
@router.get("/org-units", response={200: OrgUnitPage, **ERRORS}, tags=["org"])
def list_org_units(
    request,
    parent_id: Id | None = None,
    kind: Literal["group", "subsidiary", "department"] | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    units = selectors.visible_org_units(request.auth)
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    if kind:
        units = units.filter(kind=kind)
    return cursor_page(units, cursor=cursor, limit=limit)


@router.post("/org-units", response={201: OrgUnitOut, **ERRORS}, tags=["org"])
def create_org_unit(request, payload: OrgUnitIn):
    actor = request.auth
    with api_field_names({"parent": "parent_id"}):
        unit = services.create_org_unit(
            actor=actor,
            name=payload.name,
            code=payload.code,
            kind=payload.kind,
            parent=_unit_ref(actor, payload.parent_id, "parent_id"),
            name_en=payload.name_en,
        )
    return Status(201, unit)


@router.get("/org-units/{unit_id}", response={200: OrgUnitOut, **ERRORS}, tags=["org"])
def get_org_unit(request, unit_id: Id):
    return selectors.org_unit_for(request.auth, unit_id)


@router.patch("/org-units/{unit_id}", response={200: OrgUnitOut, **ERRORS}, tags=["org"])
def update_org_unit(request, unit_id: Id, payload: OrgUnitPatch):
    actor = request.auth
    unit = selectors.org_unit_for(actor, unit_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    if "parent_id" in data:
        data["parent"] = _unit_ref(actor, data.pop("parent_id"), "parent_id")
    with api_field_names({"parent": "parent_id"}):
        services.update_org_unit(
            actor=actor, unit=unit, data=data, expected_version=payload.version
        )
    return selectors.org_unit_for(actor, unit_id)


@router.delete("/org-units/{unit_id}", response={204: None, **ERRORS}, tags=["org"])
def delete_org_unit(request, unit_id: Id):
    unit = selectors.org_unit_for(request.auth, unit_id)
    services.delete_org_unit(actor=request.auth, unit=unit)
    return Status(204, None)


# --- users ------------------------------------------------------------------------------------
@router.get("/users", response={200: UserPage, **ERRORS}, tags=["org"])
def list_users(
    request,
    org_unit_id: Id | None = None,
    role_id: Id | None = None,
    is_active: bool | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    users = selectors.visible_users(request.auth)
    if org_unit_id is not None:
        users = users.filter(org_unit_id=org_unit_id)
    if role_id is not None:
        users = users.filter(role_id=role_id)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    return cursor_page(users, cursor=cursor, limit=limit)


@router.post("/users", response={201: UserOut, **ERRORS}, tags=["org"])
def create_user(request, payload: UserIn):
    actor = request.auth
    with api_field_names({"org_unit": "org_unit_id", "role": "role_id"}):
        user = services.create_user(
            actor=actor,
            username=payload.username,
            password=payload.password,
            org_unit=_unit_ref(actor, payload.org_unit_id, "org_unit_id"),
            role=_role_ref(actor, payload.role_id),
            full_name=payload.full_name,
            email=payload.email,
            work_phone=payload.work_phone,
        )
    return Status(201, selectors.user_for(actor, user.pk))


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS}, tags=["org"])
def get_user(request, user_id: Id):
    return selectors.user_for(request.auth, user_id)


@router.patch("/users/{user_id}", response={200: UserOut, **ERRORS}, tags=["org"])
def update_user(request, user_id: Id, payload: UserPatch):
    actor = request.auth
    user = selectors.user_for(actor, user_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    if "org_unit_id" in data:
        data["org_unit"] = _unit_ref(actor, data.pop("org_unit_id"), "org_unit_id")
    if "role_id" in data:
        data["role"] = _role_ref(actor, data.pop("role_id"))
    with api_field_names({"org_unit": "org_unit_id", "role": "role_id"}):
        services.update_user(actor=actor, user=user, data=data, expected_version=payload.version)
    return User.objects.select_related("org_unit", "role").get(pk=user.pk)


@router.delete("/users/{user_id}", response={204: None, **ERRORS}, tags=["org"])
def deactivate_user(request, user_id: Id):
    """Users are deactivated, never erased: history and ownership keep pointing at them."""
    user = selectors.user_for(request.auth, user_id)
    services.delete_user(actor=request.auth, user=user)
    return Status(204, None)


@router.post("/users/{user_id}/password", response={204: None, **ERRORS}, tags=["org"])
def set_user_password(request, user_id: Id, payload: PasswordIn):
    actor = request.auth
    user = actor if user_id == actor.pk else selectors.user_for(actor, user_id)
    services.set_password(actor=actor, user=user, password=payload.password)
    return Status(204, None)


# --- roles ------------------------------------------------------------------------------------
@router.get("/roles", response={200: RolePage, **ERRORS}, tags=["org"])
def list_roles(request, cursor: Cursor = None, limit: int = page_size()):
    return cursor_page(selectors.visible_roles(request.auth), cursor=cursor, limit=limit)


@router.post("/roles", response={201: RoleOut, **ERRORS}, tags=["org"])
def create_role(request, payload: RoleIn):
    role = services.create_role(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        scope=payload.scope,
        actions=list(payload.actions),
        name_en=payload.name_en,
        description=payload.description,
    )
    return Status(201, role)


@router.get("/roles/{role_id}", response={200: RoleOut, **ERRORS}, tags=["org"])
def get_role(request, role_id: Id):
    return selectors.role_for(request.auth, role_id)


@router.patch("/roles/{role_id}", response={200: RoleOut, **ERRORS}, tags=["org"])
def update_role(request, role_id: Id, payload: RolePatch):
    role = selectors.role_for(request.auth, role_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    services.update_role(actor=request.auth, role=role, data=data, expected_version=payload.version)
    return selectors.role_for(request.auth, role_id)


@router.delete("/roles/{role_id}", response={204: None, **ERRORS}, tags=["org"])
def delete_role(request, role_id: Id):
    role = selectors.role_for(request.auth, role_id)
    services.delete_role(actor=request.auth, role=role)
    return Status(204, None)


# --- change history of the org ----------------------------------------------------------------
ENTITIES = {
    "org_unit": selectors.UNIT_ENTITY,
    "user": selectors.USER_ENTITY,
    "role": selectors.ROLE_ENTITY,
}


@router.get("/changes", response={200: ChangePage, **ERRORS}, tags=["org"])
def list_changes(
    request,
    entity: Literal["org_unit", "user", "role"],
    object_id: Id | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """Who changed which org unit, user or role, when, each field before and after."""
    rows = selectors.org_history(request.auth, ENTITIES[entity], object_id)
    return cursor_page(rows, cursor=cursor, limit=limit)
