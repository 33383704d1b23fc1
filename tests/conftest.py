import os

import pytest
from hypothesis import settings as hypothesis_settings

from tests import factories

# Property tests explore the same examples on every run: a CI failure can be reproduced, and
# never comes and goes with the random seed. (Set HYPOTHESIS_PROFILE=explore to search more.)
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    Mark a test ``@pytest.mark.real_hashing`` to keep the production hashers."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans): a request in English through the
    test client leaves its language active in this thread, and a later test that renders a
    message outside a request would otherwise see it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org(db):
    return factories.build_org_tree()


@pytest.fixture
def admin(org):
    return factories.make_user(org.hq, "group_admin", username="admin")


@pytest.fixture
def browser(monkeypatch):
    """Headless Debian chromium (see tests/browser.py)."""
    from tests.browser import ARTIFACTS, CHROMIUM

    # Playwright's sync API runs an event loop in this thread; the ORM calls made here are
    # still synchronous. Only for this test, never for the processes other tests start.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()
