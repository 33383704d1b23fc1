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


class DropGarbledCookiesMiddleware:
    """Ignore cookies whose value holds a NUL or another control character. No cookie Xinren
    sets contains one; passed on, such a value reaches the database (the session store's
    lookup) and PostgreSQL refuses it with an error, a 500 for what is only bad input."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        garbled = [
            name
            for name, value in request.COOKIES.items()
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
        ]
        for name in garbled:
            del request.COOKIES[name]
        return self.get_response(request)
