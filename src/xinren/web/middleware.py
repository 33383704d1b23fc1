"""A signed-in user's saved interface language wins over the browser's Accept-Language,
unless they just picked one with the language menu (the cookie)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user is not None else ""
        if (
            preferred in self.known
            and user.is_authenticated
            and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        ):
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
        return self.get_response(request)
