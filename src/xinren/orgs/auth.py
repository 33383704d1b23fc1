"""Sign-in helpers: login lock-out answers and API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User

LOCKED_MESSAGE = "登录失败次数过多，账号已临时锁定，请稍后再试。"


def lockout_response(request: HttpRequest, credentials=None, *args, **kwargs):
    message = _("登录失败次数过多，账号已临时锁定，请稍后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": message,
                "errors": [{"field": "username", "rule": "locked", "message": message}],
            },
            status=429,
        )
    return render(
        request, "xinren/web/login.html", {"locked": True, "lock_message": message}, status=429
    )


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = "xr_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=_hash(raw), expires_at=timezone.now() + settings.API_TOKEN_TTL
    )
    return raw, token


def user_for_token(raw: str) -> User | None:
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__role", "user__org_unit")
        .filter(key_hash=_hash(raw), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(raw: str) -> int:
    return ApiToken.objects.filter(key_hash=_hash(raw)).delete()[0]
