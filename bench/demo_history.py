"""Demo relationship history (``xinren.demo.history``) against a raw bulk insert of the same
rows (``executemany`` of prepared tuples into the same tables, same batches of 1,000 accounts,
one transaction each), on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/demo_history.py [--rows 100000] [--db sqlite|postgres|both]

``--rows`` is the number of customer accounts (≈ 1.39 per company). Orders are scaled
(``ORDER_SCALE``) to about 20 per account, so 100,000 accounts carry ≈ 2,000,000 orders — plus
their interactions, contracts, order lines, milestones, receipts, tier rows and timeline events,
all of which both sides write.

How: migrate a fresh database and load the customers without history (``demo --no-history``);
copy that database (SQLite file copy / PostgreSQL ``CREATE DATABASE … TEMPLATE``); time
``generate_history`` in the original; then read its rows back 1,000 accounts at a time and time
only the ``executemany`` calls and commits that write them into the copy. Target: ratio ≤ 3.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

ACCOUNTS_PER_COMPANY = 1.39  # what the customer generator makes on average
ORDER_SCALE = 2.5  # ≈ 20 orders per account over three years
BATCH = 1000
C.PG_DB = "xinren_bench3"
RAW_PG_DB = "xinren_bench3_raw"

# (table, SELECT for accounts lo…hi); foreign-key order.
SELECTS = [
    ("cadence_accounttier", "SELECT * FROM cadence_accounttier WHERE account_id BETWEEN %s AND %s"),
    ("cadence_tierchange", "SELECT * FROM cadence_tierchange WHERE account_id BETWEEN %s AND %s"),
    (
        "activities_interaction",
        "SELECT * FROM activities_interaction WHERE account_id BETWEEN %s AND %s",
    ),
    (
        "activities_interaction_staff",
        "SELECT s.* FROM activities_interaction_staff s JOIN activities_interaction i "
        "ON i.id = s.interaction_id WHERE i.account_id BETWEEN %s AND %s",
    ),
    (
        "activities_interaction_contacts",
        "SELECT s.* FROM activities_interaction_contacts s JOIN activities_interaction i "
        "ON i.id = s.interaction_id WHERE i.account_id BETWEEN %s AND %s",
    ),
    ("sales_contract", "SELECT * FROM sales_contract WHERE account_id BETWEEN %s AND %s"),
    ("sales_order", "SELECT * FROM sales_order WHERE account_id BETWEEN %s AND %s"),
    (
        "sales_orderline",
        "SELECT l.* FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id "
        "WHERE o.account_id BETWEEN %s AND %s",
    ),
    (
        "sales_paymentmilestone",
        "SELECT * FROM sales_paymentmilestone WHERE account_id BETWEEN %s AND %s",
    ),
    ("sales_receipt", "SELECT * FROM sales_receipt WHERE account_id BETWEEN %s AND %s"),
    (
        "timeline_timelineevent",
        "SELECT * FROM timeline_timelineevent WHERE account_id BETWEEN %s AND %s",
    ),
]


def _copy_database():
    """A raw connection to a copy of the current (customers, no history) database."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        src = Path(settings.DATABASES["default"]["NAME"])
        dst = src.with_name("raw.sqlite3")
        shutil.copyfile(src, dst)
        raw = sqlite3.connect(dst, isolation_level=None)
        # The same pragmas as the application's connection.
        raw.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        )
        return raw
    import psycopg

    name = connection.settings_dict["NAME"]
    connection.close()
    C.pg_admin(f"DROP DATABASE IF EXISTS {RAW_PG_DB} WITH (FORCE)")
    C.pg_admin(f"CREATE DATABASE {RAW_PG_DB} TEMPLATE {name}")
    return psycopg.connect(f"{C.PG_SERVER}/{RAW_PG_DB}")


def _reads(lo: int, hi: int, sqlite: bool):
    from django.db import connection

    ph = "?" if sqlite else "%s"
    out = []
    with connection.cursor() as cur:
        for table, sql in SELECTS:
            cur.execute(sql, [lo, hi])
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if not sqlite and table == "timeline_timelineevent":
                from psycopg.types.json import Jsonb

                i = cols.index("detail")
                rows = [r[:i] + (Jsonb(r[i]),) + r[i + 1 :] for r in rows]
            out.append(
                (
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join([ph] * len(cols))})",
                    rows,
                )
            )
    return out


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    from django.core.management import call_command
    from django.db import connection

    from xinren.customers.models import CustomerAccount
    from xinren.demo import history

    C.migrate()
    companies = math.ceil(rows / ACCOUNTS_PER_COMPANY)
    began = time.perf_counter()
    call_command(
        "demo", companies=companies, stdout=io.StringIO(), no_migrate=True, no_history=True
    )
    accounts = CustomerAccount.objects.count()
    C.log(
        f"customers: {companies:,} companies, {accounts:,} accounts "
        f"({time.perf_counter() - began:.1f} s, not timed)"
    )
    sqlite = connection.vendor == "sqlite"
    raw = _copy_database()
    began, cpu_began = time.perf_counter(), time.process_time()
    counts = history.generate_history(
        seed=2026, order_scale=ORDER_SCALE, batch_size=BATCH, years=history.DEFAULT_YEARS
    )
    demo_s = time.perf_counter() - began
    demo_cpu = time.process_time() - cpu_began
    total = sum(v for k, v in counts.items())
    C.log(
        f"generate_history: {demo_s:.1f} s — {counts['orders']:,} orders, "
        f"{total:,} rows before join tables ({total / demo_s:,.0f} rows/s); {counts}"
    )
    ids = list(CustomerAccount.objects.order_by("id").values_list("id", flat=True)[::BATCH]) + [
        CustomerAccount.objects.order_by("-id").values_list("id", flat=True).first() + 1
    ]
    raw_s, raw_cpu, written = 0.0, 0.0, 0
    for lo, hi in zip(ids, ids[1:], strict=False):
        statements = _reads(lo, hi - 1, sqlite)
        written += sum(len(b) for _, b in statements)
        began, cpu_began = time.perf_counter(), time.process_time()
        if sqlite:
            raw.execute("BEGIN IMMEDIATE")
            for sql, batch in statements:
                if batch:
                    raw.executemany(sql, batch)
            raw.execute("COMMIT")
        else:
            with raw.cursor() as cur:
                for sql, batch in statements:
                    if batch:
                        cur.executemany(sql, batch)
            raw.commit()
        raw_s += time.perf_counter() - began
        raw_cpu += time.process_time() - cpu_began
    raw.close()
    C.log(f"raw executemany of the same {written:,} rows: {raw_s:.1f} s ({written / raw_s:,.0f}/s)")
    C.log(f"demo history / raw: {demo_s / raw_s:.2f}x wall")
    if sqlite:
        C.log(
            f"CPU time of this process: history {demo_cpu:.1f} s, raw {raw_cpu:.1f} s, "
            f"{demo_cpu / raw_cpu:.2f}x"
        )
    if not sqlite:
        C.pg_admin(f"DROP DATABASE IF EXISTS {RAW_PG_DB} WITH (FORCE)")
    return {
        "engine": C.vendor(),
        "rows": rows,
        "accounts": accounts,
        "orders": counts["orders"],
        "rows_written": written,
        "demo_s": demo_s,
        "raw_s": raw_s,
        "ratio": demo_s / raw_s,
        # SQLite runs inside this process, so its CPU time is the whole cost of both sides and,
        # unlike wall time, does not drift with other processes' load between the two phases
        # (they run minutes apart). The PostgreSQL server's work is not in this process.
        "cpu_ratio": demo_cpu / raw_cpu if sqlite else None,
    }


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    args.reuse = False  # always a fresh database: this measures the fill itself
    print(f"demo history benchmark, {args.rows:,} accounts — {C.machine()}")
    for r in C.run_children(args, __file__):
        cpu = f", CPU-time ratio {r['cpu_ratio']:.2f}x" if r.get("cpu_ratio") else ""
        print(
            f"{r['engine']:10} {r['accounts']:,} accounts, {r['orders']:,} orders, "
            f"{r['rows_written']:,} rows: history {r['demo_s']:.1f} s, raw executemany "
            f"{r['raw_s']:.1f} s, ratio {r['ratio']:.2f}x wall{cpu}  "
            f"target {'met' if r['ratio'] <= 3 else 'MISSED'} on wall time"
        )


if __name__ == "__main__":
    main()
