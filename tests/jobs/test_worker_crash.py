"""A real ``xinren worker`` is SIGKILLed in the middle of a reminder run, restarted, and the
run repeated: every due reminder exists exactly once and every e-mail was sent exactly once.

The scenario runs in its own data dir (a temporary SQLite database migrated for it, the Huey
queue next to it, the file e-mail backend), so it does not depend on pytest-django's test
database and is the same whatever ``DATABASE_URL`` the rest of the suite uses. A test-only
setting (``XINREN_REMINDER_PAUSE``) makes the scan sleep after each committed batch, so the
kill lands mid-run.
"""

from __future__ import annotations

import email
import os
import signal
import sqlite3
import subprocess
import sys
import time
from email.header import decode_header, make_header
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 8
MILESTONES = 60  # per account: 480 overdue items, two recipients each → 960 reminders
EXPECTED = ACCOUNTS * MILESTONES * 2

SEED = f"""
import datetime as dt
from decimal import Decimal
import django
django.setup()
from tests import factories
from xinren.customers.models import ServiceAssignment
from xinren.sales.models import PaymentMilestone

org = factories.build_org_tree()
rep = factories.make_user(org.a_sales, "sales_rep", username="rep", email="rep@example.cn")
agent = factories.make_user(org.a_service, "service_agent", username="agent",
                            email="agent@example.cn")
today = dt.date.today()
rows = []
for a in range({ACCOUNTS}):
    account = factories.make_customer(rep)
    ServiceAssignment.objects.create(account=account, user=agent)
    for m in range({MILESTONES}):
        rows.append(PaymentMilestone(account=account, due_on=today - dt.timedelta(days=5),
                                     amount=Decimal(1000 + a * 1000 + m)))
PaymentMilestone.objects.bulk_create(rows)
"""

ENQUEUE = """
import django
django.setup()
from xinren.notifications.tasks import reminder_scan
reminder_scan()
"""


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="xinren.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        XINREN_DATA_DIR=str(data_dir),
        XINREN_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(data_dir / "mail"),
        XINREN_JOBS_IMMEDIATE="0",
        XINREN_REMINDER_BATCH="60",
        XINREN_REMINDER_PAUSE="0.4",
    )
    return env


def _run(env, *args: str) -> None:
    subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )


def _worker(env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        # No schedule: the test enqueues each run itself (the worker would otherwise add a
        # catch-up scan at start, and the minute's outbox flush).
        [sys.executable, "-m", "xinren.cli", "worker", "--workers", "1", "--no-periodic"],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _query(db: Path, sql: str):
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except sqlite3.OperationalError:
            pass  # table not there yet, or a writer holds the lock for a moment
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _sent_messages(mail_dir: Path) -> list[tuple[str, str]]:
    """(to, subject) of every message the file backend wrote."""
    out = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text().split("-" * 79 + "\n"):
            if chunk.strip():
                msg = email.message_from_string(chunk)
                out.append((msg["To"], str(make_header(decode_header(msg["Subject"])))))
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_worker_killed_mid_run_sends_every_reminder_once(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "xinren.sqlite3"
    log = tmp_path / "worker.log"
    _run(env, "-m", "xinren.cli", "migrate", "--noinput", "-v", "0")
    _run(env, "-c", SEED)

    worker = _worker(env, log)
    try:
        _run(env, "-c", ENQUEUE)
        _wait(
            lambda: _query(db, "SELECT count(*) FROM notifications_notification") >= EXPECTED // 4,
            120,
            "the first batches",
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    created = _query(db, "SELECT count(*) FROM notifications_notification")
    assert 0 < created < EXPECTED, "the kill must land in the middle of the run"
    # died mid-run: its job record still says running
    assert _query(db, "SELECT count(*) FROM jobs_jobrun WHERE status = 'running'") == 1

    worker = _worker(env, log)  # restart; it clears the dead run's task lock
    try:
        _run(env, "-c", ENQUEUE)  # the run again (a killed task is not redelivered)
        _wait(
            lambda: (
                _query(db, "SELECT count(*) FROM jobs_jobrun WHERE status = 'done'") == 1
                and _query(
                    db,
                    "SELECT count(*) FROM notifications_notification "
                    "WHERE wants_email AND emailed_at IS NULL",
                )
                == 0
            ),
            180,
            "the second run and its e-mails",
        )
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()

    assert _query(db, "SELECT count(*) FROM notifications_notification") == EXPECTED
    assert (
        _query(
            db, "SELECT count(DISTINCT recipient_id || event_key) FROM notifications_notification"
        )
        == EXPECTED
    )
    with sqlite3.connect(db) as conn:
        expected_mail = sorted(
            (to, f"【信任】{title}")
            for to, title in conn.execute(
                "SELECT u.email, n.title FROM notifications_notification n "
                "JOIN orgs_user u ON u.id = n.recipient_id"
            )
        )
    sent = sorted(m for m in _sent_messages(tmp_path / "mail") if "摘要" not in m[1])
    assert len(sent) == EXPECTED
    assert sent == expected_mail  # each reminder mailed exactly once
