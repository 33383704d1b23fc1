"""Customer import of a generated N-row xlsx (default 100,000) against a raw bulk insert of the
same rows, measured in one run per engine.

    .venv/bin/python bench/customer_import.py [--rows 100000] [--db sqlite|postgres|both]

- **raw**: the rows read from the same file (calamine) and written with ``bulk_create`` of
  companies, accounts (archive numbers made up) and contacts — no validation, no matching,
  no history, no search index, no duplicate-check keys;
- **import**: ``xinren.quality.imports.run_import`` on the file, all-or-nothing: header
  mapping, every value converted and validated with the customers' rules, every row matched
  against the master by USCC and normalised name, companies + accounts + contacts written
  with their change history, timeline entries, search index and duplicate-check keys;
- **re-run**: the same file again (every row matches, nothing changes): the idempotent path.

Wall time is the figure; the benchmark process's CPU time is printed beside it because on a
shared machine wall time drifts with other processes' load (on SQLite nearly all the work is
in this process; on PostgreSQL part of it is in the server's).

Goal: import ≤ 3× raw. Own databases: SQLite under ``xinren-bench-imports-*`` in the
temporary directory (removed), PostgreSQL ``xinren_bench_imports`` (dropped afterwards).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "xinren_bench_imports"
HEADER = ["客户名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期", "地区", "电话",
          "联系人", "联系人电话", "职务", "客户类型", "生命周期阶段", "来源"]  # fmt: skip
WORDS = "信达宏远恒泰锐思博华通明德诚新安盛嘉和鼎顺昌隆泽瑞丰源正元"
SUFFIX = ["科技有限公司", "贸易有限公司", "电子股份有限公司", "实业有限公司", "信息技术有限公司"]
REGIONS = ["310101", "330100", "440300", "110105", "320500", "510100"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def make_xlsx(rows: int, seed: int = 7) -> bytes:
    from openpyxl import Workbook

    from xinren.standards.uscc import generate_uscc

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(HEADER)
    seen: set[str] = set()
    for i in range(rows):
        uscc = generate_uscc(rng)
        while uscc in seen:
            uscc = generate_uscc(rng)
        seen.add(uscc)
        core = "".join(rng.choice(WORDS) for _ in range(3)) + str(i)
        person = rng.choice(SURNAMES) + rng.choice(WORDS)
        sheet.append([
            core + rng.choice(SUFFIX), uscc, rng.choice(SURNAMES) + "某",
            f"{rng.randint(10, 5000)}万", f"{rng.randint(1995, 2023)}-{rng.randint(1, 12):02d}-15",
            rng.choice(REGIONS), f"021-{rng.randint(50000000, 69999999)}", person,
            f"13{rng.randint(100000000, 999999999)}", "采购经理", "企业客户", "线索", "导入",
        ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def child(engine: str, rows: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction

    from xinren.core.tables import parse_date, read_table
    from xinren.customers.models import Company, Contact, CustomerAccount
    from xinren.orgs import services as org_services
    from xinren.orgs.models import OrgUnit, Role
    from xinren.quality import imports

    def log(msg: str) -> None:
        print(f"[{engine}] {msg}", flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    mk = org_services.create_org_unit
    group = mk(actor=None, name="信任集团", code="HQ", kind=OrgUnit.Kind.GROUP)
    sub = mk(actor=None, name="华东子公司", code="SA", kind=OrgUnit.Kind.SUBSIDIARY, parent=group)
    dept = mk(actor=None, name="销售部", code="SA-S", kind=OrgUnit.Kind.DEPARTMENT, parent=sub)
    rep = org_services.create_user(
        actor=None, username="rep", password="Xinren-bench-2026", org_unit=dept,
        role=Role.objects.get(code="sales_rep"), full_name="",
    )  # fmt: skip

    began = time.perf_counter()
    content = make_xlsx(rows)
    log(
        f"generated {rows:,}-row xlsx ({len(content) / 1e6:.1f} MB) in {time.perf_counter() - began:.1f} s"
    )

    # raw bulk insert of the same rows
    began, cpu = time.perf_counter(), time.process_time()
    header, table = read_table(content, "bench.xlsx")
    read_s = time.perf_counter() - began
    with transaction.atomic():
        companies = [
            Company(name=r[0], uscc=r[1], legal_rep=r[2],
                    registered_capital=Decimal(r[3].rstrip("万")) * 10000,
                    founded_on=parse_date(r[4]), region_code=r[5], phone=r[6], created_by=rep)
            for r in table
        ]  # fmt: skip
        Company.objects.bulk_create(companies, batch_size=1000)
        accounts = [
            CustomerAccount(company=c, business_unit=sub, owner=rep, owner_unit=dept,
                            archive_no=f"RAW-{i}", account_type="B2B", status="lead",
                            source=r[12], created_by=rep)
            for i, (c, r) in enumerate(zip(companies, table, strict=True))
        ]  # fmt: skip
        CustomerAccount.objects.bulk_create(accounts, batch_size=1000)
        contacts = [
            Contact(company=c, name=r[7], work_phone=r[8], phone_digits=r[8], title=r[9],
                    is_primary=True, created_by=rep)
            for c, r in zip(companies, table, strict=True)
        ]  # fmt: skip
        Contact.objects.bulk_create(contacts, batch_size=1000)
    raw_s, raw_cpu = time.perf_counter() - began, time.process_time() - cpu
    log(f"raw: read {read_s:.1f} s + bulk_create {raw_s - read_s:.1f} s = {raw_s:.1f} s")
    with connection.cursor() as cur:  # not timed: make room for the same rows again
        for table_name in ("customers_contact", "customers_customeraccount", "customers_company"):
            cur.execute(f"DELETE FROM {table_name}")
    if engine == "sqlite":
        with connection.cursor() as cur:
            cur.execute("VACUUM")

    began, cpu = time.perf_counter(), time.process_time()
    result = imports.run_import(actor=rep, content=content, filename="bench.xlsx")
    import_s, import_cpu = time.perf_counter() - began, time.process_time() - cpu
    assert result.applied and result.created == rows and not result.errors, result.errors[:3]
    log(f"import: {result.created:,} created in {import_s:.1f} s")

    began = time.perf_counter()
    again = imports.run_import(actor=rep, content=content, filename="bench.xlsx")
    rerun_s = time.perf_counter() - began
    assert again.unchanged == rows and not again.applied
    log(f"re-run: {again.unchanged:,} unchanged in {rerun_s:.1f} s")
    return {
        "engine": engine,
        "rows": rows,
        "raw_s": round(raw_s, 2),
        "raw_read_s": round(read_s, 2),
        "import_s": round(import_s, 2),
        "rerun_s": round(rerun_s, 2),
        "ratio": round(import_s / raw_s, 2),
        "raw_cpu_s": round(raw_cpu, 2),
        "import_cpu_s": round(import_cpu, 2),
        "cpu_ratio": round(import_cpu / raw_cpu, 2),
        "ratio_vs_insert_only": round(import_s / (raw_s - read_s), 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows)))
        return
    results = []
    for engine in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        tmp = Path(tempfile.mkdtemp(prefix="xinren-bench-imports-"))
        env["XINREN_DATA_DIR"] = str(tmp)
        env["PYTHONPATH"] = str(ROOT / "src")
        if engine == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
        else:
            env.pop("DATABASE_URL", None)
        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", engine, "--rows", str(args.rows)],
                env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if engine == "postgres":
                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        lines = proc.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
            print(f"[{engine}] failed (exit {proc.returncode})")
            continue
        results.append(json.loads(lines[-1]))
    for r in results:
        print(
            f"{r['engine']}: {r['rows']:,} rows — import {r['import_s']} s, raw bulk insert "
            f"{r['raw_s']} s (read {r['raw_read_s']} s) → {r['ratio']}× "
            f"({r['ratio_vs_insert_only']}× of the insert alone); re-run {r['rerun_s']} s "
            f"(goal ≤ 3×: {'met' if r['ratio'] <= 3 else 'missed'}); this process's CPU time "
            f"{r['import_cpu_s']} s vs {r['raw_cpu_s']} s → {r['cpu_ratio']}×"
        )


if __name__ == "__main__":
    main()
