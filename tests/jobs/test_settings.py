"""Which queue the settings choose: a SQLite file in the data dir, or Redis with REDIS_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, xinren.settings as s; "
    "print(json.dumps({k: v for k, v in s.HUEY.items()} | {'mail': s.EMAIL_BACKEND}))"
)


def _settings(tmp_path, **env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "EMAIL_HOST")}
    base.update(PYTHONPATH=str(ROOT / "src"), XINREN_DATA_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=base, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_embedded_default_is_a_sqlite_file(tmp_path):
    got = _settings(tmp_path)
    assert got["huey_class"] == "huey.SqliteHuey"
    assert got["filename"] == str(tmp_path / "jobs.sqlite3") and got["immediate"] is False
    assert got["mail"] == "django.core.mail.backends.console.EmailBackend"


def test_redis_when_redis_url_is_set(tmp_path):
    got = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3", EMAIL_HOST="smtp.example.cn")
    assert got["huey_class"] == "huey.RedisHuey" and got["url"] == "redis://127.0.0.1:6379/3"
    assert got["mail"] == "django.core.mail.backends.smtp.EmailBackend"
