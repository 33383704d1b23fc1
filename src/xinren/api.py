"""The REST API root: ``/api/v1/``, OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``.

Authentication: ``POST /api/v1/auth/token`` returns a bearer token; a signed-in browser
session works too (with CSRF on unsafe methods). Errors are always JSON of the form
``{"detail": "...", "errors": [{"field": "uscc", "rule": "uscc_check", "message": "..."}]}``.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from xinren import __version__
from xinren.core.errors import ConflictError, error_items
from xinren.orgs.auth import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session (ninja checks CSRF for unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Xinren CRM API",
    version=__version__,
    description="客户主档、组织与权限的 REST 接口 / REST API for the customer master, org tree and access.",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    items = error_items(exc)
    return _error(request, 422, items[0]["message"] if items else _("输入无效。"), items)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    items = []
    for err in exc.errors:
        # ("body", "payload", "uscc") → "uscc"; ("form", "doc_type") → "doc_type";
        # ("file", "file") → "file"; ("query", "limit") → "limit".
        loc = [str(p) for p in err.get("loc", [])]
        if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
            where = loc.pop(0)
            if where == "body" and len(loc) > 1:
                loc.pop(0)  # the name of the view's body parameter
        items.append(
            {
                "field": ".".join(loc),
                "rule": err.get("type", "invalid"),
                "message": err.get("msg", ""),
            }
        )
    return _error(request, 422, _("请求数据格式不正确。"), items)


@api.exception_handler(ConflictError)
def on_conflict(request, exc: ConflictError):
    return api.create_response(
        request,
        {
            "detail": exc.message,
            "errors": [{"field": "version", "rule": "conflict", "message": exc.message}],
            "current_version": exc.current_version,
        },
        status=409,
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc: PermissionDenied):
    message = str(exc) or _("没有权限。")
    return _error(request, 403, message, [{"field": "", "rule": "forbidden", "message": message}])


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    message = _("记录不存在或不在您的数据范围内。")
    return _error(request, 404, message, [{"field": "", "rule": "not_found", "message": message}])


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    message = _("需要登录：请在 Authorization 头中提供 Bearer 令牌。")
    return _error(
        request,
        401,
        message,
        [{"field": "Authorization", "rule": "unauthenticated", "message": message}],
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc.message))


def _register_routers() -> None:
    """Each domain package owns its router; the root only mounts them."""
    from xinren.activities.api import router as activities_router
    from xinren.cadence.api import router as cadence_router
    from xinren.customers.api import router as customers_router
    from xinren.jobs.api import router as jobs_router
    from xinren.kyc.api import router as kyc_router
    from xinren.notifications.api import router as notifications_router
    from xinren.orgs.api import router as orgs_router
    from xinren.quality.api import router as quality_router
    from xinren.quality.export_api import router as exports_router
    from xinren.quality.measures.api import router as quality_measures_router
    from xinren.risk.api import router as risk_router
    from xinren.sales.api import router as sales_router

    api.add_router("", orgs_router)
    api.add_router("", quality_router)  # before customers: /companies/duplicates
    api.add_router("", customers_router)
    api.add_router("", cadence_router)
    api.add_router("", sales_router)
    api.add_router("", activities_router)
    api.add_router("", notifications_router)
    api.add_router("", jobs_router)
    api.add_router("", quality_measures_router)
    api.add_router("", exports_router)
    api.add_router("", kyc_router)
    api.add_router("", risk_router)


_register_routers()
