"""A process killed with SIGKILL keeps every commit and leaves nothing half-written (embedded
SQLite, as `make run` uses it). Real processes, real kill."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

XINREN = str(Path(sys.executable).with_name("xinren"))

SETUP = """
from tests import factories
from xinren.orgs.services import ensure_builtin_roles
ensure_builtin_roles()
org = factories.build_org_tree()
factories.make_user(org.a_sales, "sales_rep", username="rep")
"""

# Creates one customer and commits it, then starts a second creation and dies inside the
# transaction: after the company row, its search entry and history are written, before the
# account (and the commit).
KILLED_MIDWAY = """
import os, signal
from django.db import transaction
from tests import factories
from xinren.customers import services
from xinren.orgs.models import User

rep = User.objects.get(username="rep")
factories.make_customer(rep, name="已提交客户有限公司")
real_open_account = services.open_account

def die(**kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

services.open_account = die
services.create_customer(actor=rep, company={"name": "未提交客户有限公司", "uscc": factories.valid_uscc()})
"""

CHECK = """
from xinren.audit.models import ChangeLog
from xinren.customers.models import Company, CustomerAccount
from xinren.customers.selectors import search_companies
from xinren.orgs.models import User
names = sorted(Company.objects.values_list("name", flat=True))
admin = User.objects.get(username="rep")
print(names, CustomerAccount.objects.count(), ChangeLog.objects.filter(entity="customers.company").count(),
      [c.name for c in search_companies(admin, "客户有限")])
"""


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [XINREN, "shell", "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_keeps_commits_and_leaves_nothing_half_written(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XINREN_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    assert (
        subprocess.run([XINREN, "migrate", "--noinput"], env=env, capture_output=True).returncode
        == 0
    )
    assert _run(SETUP, env).returncode == 0
    killed = _run(KILLED_MIDWAY, env)
    assert killed.returncode == -9, killed.stderr
    check = _run(CHECK, env)
    assert check.returncode == 0, check.stderr
    last = check.stdout.strip().splitlines()[-1]
    assert last == "['已提交客户有限公司'] 1 1 ['已提交客户有限公司']"
