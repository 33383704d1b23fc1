"""The ``xinren`` entry point as an operator uses it: real processes, a real HTTP client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

XINREN = str(Path(sys.executable).with_name("xinren"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env["XINREN_DATA_DIR"] = str(tmp_path / "data")
    env.pop("DATABASE_URL", None)  # the embedded default, as `make run` uses it
    env.update(extra)
    return env


def test_serve_migrates_first_and_answers_on_the_given_port(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [XINREN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.3)
        assert health is not None and health.status_code == 200
        assert health.json() == {"status": "ok", "database": "sqlite"}
        assert (tmp_path / "data" / "xinren.sqlite3").exists()
        login = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=5)
        assert login.status_code == 200 and "csrfmiddlewaretoken" in login.text
        css = httpx.get(f"http://127.0.0.1:{port}/static/vendor/bootstrap/css/bootstrap.min.css")
        assert css.status_code == 200 and len(css.content) > 10_000
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_rejects_a_bad_port(tmp_path):
    done = subprocess.run(
        [XINREN, "serve", "--port", "70000", "--no-migrate"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--port" in done.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = _env(
        tmp_path,
        XINREN_ENV="production",
        XINREN_SECRET_KEY="x" * 20 + "a-long-random-production-key-9f83hq29fh3q9fh2",
        XINREN_ALLOWED_HOSTS="crm.example.cn",
    )
    done = subprocess.run(
        [XINREN, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_createsuperuser_noinput_and_migrate(tmp_path):
    env = _env(
        tmp_path,
        DJANGO_SUPERUSER_USERNAME="root",
        DJANGO_SUPERUSER_PASSWORD="Xinren-root-2026",
        DJANGO_SUPERUSER_EMAIL="root@example.cn",
    )
    for cmd in (["migrate", "--noinput"], ["createsuperuser", "--noinput"]):
        done = subprocess.run([XINREN, *cmd], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [
            XINREN,
            "shell",
            "-c",
            "from xinren.orgs.models import User; "
            "print(User.objects.get(username='root').is_superuser)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.django_db
def test_healthz_reports_database(client):
    from django.db import connection

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_api_docs_work_offline(client, admin):
    client.force_login(admin)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    body = page.content.decode()
    assert "cdn.jsdelivr" not in body and "swagger-ui-bundle.js" in body
    asset = client.get("/static/ninja/swagger-ui-bundle.js")
    assert asset.status_code == 200
