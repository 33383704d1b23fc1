"""Shared pieces of the real-browser tests (Debian chromium driven by Playwright).

A browser is never downloaded: without Debian's chromium these tests are skipped with a
message. Screenshots land in ``test-artifacts/`` for a human to look at. The ``browser``
fixture lives in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import factories

CHROMIUM = os.environ.get("XINREN_CHROMIUM") or shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# ``pytestmark = BROWSER`` in a browser test module.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian chromium not installed: browser tests SKIPPED"),
]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/customers/")
