"""Hostile files: each answered with a clear message and nothing stored. And a worker killed
in the middle of an all-or-nothing import: nothing half-applied, a re-run completes it."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from tests import factories
from tests.quality.test_imports import HEADER, csv_bytes, snapshot, xlsx_bytes
from xinren.core import tables
from xinren.quality import imports

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _chinese():
    """Messages in Chinese whatever an earlier test left active (the site's default)."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def _refused(rep, content: bytes, filename: str) -> str:
    before = snapshot()
    with pytest.raises(imports.ImportFileError) as err:
        imports.run_import(actor=rep, content=content, filename=filename)
    assert snapshot() == before
    return str(err.value)


def _zip_bomb() -> bytes:
    """A real workbook whose sheet XML inflates from a few kB to 100 MB."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["客户名称"], ["甲有限公司"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in good.infolist():
            data = good.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                data = text.replace(
                    "</sheetData>", "</sheetData>" + " " * (100 * 1024 * 1024)
                ).encode()
            bomb.writestr(item.filename, data)
    return out.getvalue()


def test_empty_file(rep):
    assert "空" in _refused(rep, b"", "a.xlsx")
    assert "空" in _refused(rep, b"\n\n ,, \n", "a.csv")


def test_header_only(rep):
    assert "只有表头" in _refused(rep, csv_bytes([HEADER]), "a.csv")
    assert "只有表头" in _refused(rep, xlsx_bytes([HEADER]), "a.xlsx")


def test_not_a_spreadsheet_renamed_xlsx(rep):
    message = _refused(rep, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "客户.xlsx")
    assert "不是 Excel" in message
    # a zip that is no workbook
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "Excel" in _refused(rep, out.getvalue(), "客户.xlsx")


def test_zip_bomb_refused_before_inflating(rep):
    content = _zip_bomb()
    assert len(content) < 2 * 1024 * 1024
    assert "压缩炸弹" in _refused(rep, content, "bomb.xlsx")


def test_zip_declaring_a_huge_total_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.xml", b"x" * 1024)
    data = bytearray(out.getvalue())
    # forge the declared uncompressed size (central directory) to 4 GB
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    with pytest.raises(tables.ImportFileError, match="压缩炸弹"):
        tables.check_zip(bytes(data))


def test_thousand_columns(rep):
    header = ["客户名称", "统一社会信用代码"] + [f"列{i}" for i in range(998)]
    assert "列数过多" in _refused(rep, xlsx_bytes([header, ["甲有限公司"]]), "wide.xlsx")
    assert "列数过多" in _refused(rep, csv_bytes([header, ["甲有限公司"]]), "wide.csv")


def test_ten_megabyte_cell(rep):
    big = ("客户名称统一社会信用代码" * (1 << 20))[: 10 * 1024 * 1024 // 3]
    content = csv_bytes([["客户名称", "备注"], ["甲有限公司", big]])
    assert len(content) >= 10 * 1024 * 1024 - 100
    message = _refused(rep, content, "big.csv")
    assert "第 2 行第 2 列" in message and "过长" in message


def test_mixed_encodings(rep):
    content = "客户名称,电话\n".encode() + "甲有限公司,021-55556666\n".encode("gbk")
    message = _refused(rep, content, "mixed.csv")
    assert "多种编码" in message and "第 1 行" in message


def test_formulas_give_their_values(rep):
    """calamine reads the value Excel cached with a formula; a formula never calculated
    (no cached value) reads as empty and is reported like an empty cell."""
    uscc1, uscc2, uscc3 = (factories.valid_uscc() for _ in range(3))
    book = Workbook()
    sheet = book.active
    sheet.append(["客户名称", "统一社会信用代码", "备注"])
    sheet.append(["甲", uscc1, None])
    sheet.append(['=A2&"乙"', uscc2, "=1+1"])
    sheet.append(["=A2", uscc3, None])  # never calculated: no cached value
    raw = io.BytesIO()
    book.save(raw)
    # write the cached results the way Excel does: <v> after <f>
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r'<c r="A3"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                              r'<c r="A3" t="str"><f>\2</f><v>甲乙有限公司</v>', text)  # fmt: skip
                data = text.encode()
            z.writestr(item.filename, data)
    result = imports.run_import(actor=rep, content=out.getvalue(), filename="f.xlsx", mode="valid")
    names = {e.row: e for e in result.errors}
    assert result.created == 2 and list(names) == [4]
    assert (names[4].column, names[4].rule) == ("客户名称", "blank")
    from xinren.customers.models import Company

    created = Company.objects.get(uscc=uscc2)
    assert created.name == "甲乙有限公司" and created.accounts.get().notes == ""


def test_report_is_formula_safe(rep):
    rows = [
        ["客户名称", "统一社会信用代码", "备注"],
        ['=HYPERLINK("http://x","点我")', "bad", "@SUM(1)"],
    ]
    result = imports.run_import(actor=rep, content=csv_bytes(rows), dry_run=True)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(imports.report_xlsx_bytes(result))).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert sheet.cell(row=2, column=2).value.startswith("'=")


# --- the worker killed half-way ---------------------------------------------------------------
KILL_SCRIPT = """
import os, sys
import django
django.setup()
from django.core.management import call_command
from xinren.quality import imports

imports.BATCH = 2  # written in chunks of 10 rows: the kill lands between two chunks
original = imports._Importer.create_new
calls = []

def create_then_die(self, rows):
    original(self, rows)
    calls.append(len(rows))
    if len(calls) == 2:
        os._exit(9)  # the worker dies: no exception handler, no rollback code runs

if sys.argv[2] == "kill":
    imports._Importer.create_new = create_then_die
call_command("import", sys.argv[1], as_user="rep")
"""

SETUP_SCRIPT = """
import django
django.setup()
from tests import factories
org = factories.build_org_tree()
factories.make_user(org.a_sales, "sales_rep", username="rep")
"""


@pytest.fixture
def own_database(tmp_path):
    """A database of the test's own for the subprocesses: a SQLite file, or on a PostgreSQL
    run (``DATABASE_URL=postgres…``) a database created for it and dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    server = url.rsplit("/", 1)[0]
    name = f"xinren_test_imports_kill_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _run(tmp_path: Path, database: str, *args: str, script: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "XINREN_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "xinren.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "XINREN_JOBS_IMMEDIATE": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
        timeout=300, cwd=ROOT,
    )  # fmt: skip


def _count(database: str, table: str) -> int:
    if database.startswith("sqlite:///"):
        with sqlite3.connect(database.removeprefix("sqlite:///")) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    import psycopg

    with psycopg.connect(database) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_killed_worker_leaves_nothing_and_a_rerun_completes(tmp_path, own_database):
    db = own_database
    migrate = "import sys; from django.core.management import execute_from_command_line as e; e(['x', 'migrate', '-v0'])"
    assert _run(tmp_path, db, script=migrate).returncode == 0
    setup = _run(tmp_path, db, script=SETUP_SCRIPT)
    assert setup.returncode == 0, setup.stderr
    rows = [["客户名称", "统一社会信用代码", "联系人"]] + [
        [f"测试杀进程{i}有限公司", factories.valid_uscc(), f"联系人{i}"] for i in range(40)
    ]
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(rows))
    tables_ = ("customers_company", "customers_customeraccount", "customers_contact",
               "audit_changelog", "timeline_timelineevent", "quality_companykey",
               "customers_archivesequence")  # fmt: skip
    before = {t: _count(db, t) for t in tables_}
    killed = _run(tmp_path, db, str(path), "kill", script=KILL_SCRIPT)
    assert killed.returncode == 9, killed.stderr
    assert {t: _count(db, t) for t in tables_} == before
    assert before["customers_company"] == 0
    rerun = _run(tmp_path, db, str(path), "run", script=KILL_SCRIPT)
    assert rerun.returncode == 0, rerun.stderr
    assert "created 40" in rerun.stdout
    assert _count(db, "customers_company") == 40
    assert _count(db, "customers_contact") == 40
    again = _run(tmp_path, db, str(path), "run", script=KILL_SCRIPT)
    assert "unchanged 40" in again.stdout and _count(db, "customers_company") == 40
