"""``xinren demo --companies N`` against a raw bulk insert of the same rows (``executemany``
of prepared tuples into the same tables, same batches of 5,000 companies, one transaction
each), on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/demo_load.py [--rows 1000000] [--db sqlite|postgres|both]

How: migrate a fresh database and create the demo org and users (``demo --companies 0``);
copy that database (SQLite file copy / PostgreSQL ``CREATE DATABASE … TEMPLATE``); time
``demo --companies N`` in the original; then read its rows back batch by batch and time only
the ``executemany`` calls and commits that write them into the copy. Target: ratio ≤ 3.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BATCH = 5000
# Its own databases, so it can run while the other benchmarks use xinren_bench.
C.PG_DB = "xinren_bench_load"
RAW_PG_DB = "xinren_bench_load_raw"


def _copy_database():
    """A raw connection to a copy of the current (migrated, org-only) database."""
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
        raw.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
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
    """(insert SQL, rows) for every table, companies lo…hi, in foreign-key order."""
    from django.db import connection

    fts = (
        (
            "SELECT rowid, name, pinyin, people FROM customers_company_fts "
            "WHERE rowid BETWEEN %s AND %s",
            "INSERT INTO customers_company_fts(rowid, name, pinyin, people) VALUES (?, ?, ?, ?)",
        )
        if sqlite
        else (
            "SELECT company_id, doc::text FROM customers_company_search "
            "WHERE company_id BETWEEN %s AND %s",
            "INSERT INTO customers_company_search(company_id, doc) VALUES (%s, %s::tsvector)",
        )
    )
    selects = [
        ("customers_company", "SELECT * FROM customers_company WHERE id BETWEEN %s AND %s"),
        (
            "customers_customeraccount",
            "SELECT * FROM customers_customeraccount WHERE company_id BETWEEN %s AND %s",
        ),
        (
            "customers_serviceassignment",
            "SELECT s.* FROM customers_serviceassignment s JOIN customers_customeraccount a "
            "ON a.id = s.account_id WHERE a.company_id BETWEEN %s AND %s",
        ),
        ("customers_contact", "SELECT * FROM customers_contact WHERE company_id BETWEEN %s AND %s"),
        (
            "audit_changelog",
            "SELECT * FROM audit_changelog WHERE entity = 'customers.company' "
            "AND company_id BETWEEN %s AND %s",
        ),
    ]
    ph = "?" if sqlite else "%s"
    out = []
    with connection.cursor() as cur:
        for table, sql in selects:
            cur.execute(sql, [lo, hi])
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if not sqlite and table == "audit_changelog":
                from psycopg.types.json import Jsonb

                i = cols.index("changes")
                rows = [r[:i] + (Jsonb(r[i]),) + r[i + 1 :] for r in rows]
            out.append(
                (
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join([ph] * len(cols))})",
                    rows,
                )
            )
        cur.execute(fts[0], [lo, hi])
        out.append((fts[1], cur.fetchall()))
        cur.execute(
            "SELECT gram, company_id, pos FROM customers_company_gram"
            " WHERE company_id BETWEEN %s AND %s",
            [lo, hi],
        )
        out.append(
            (
                "INSERT INTO customers_company_gram (gram, company_id, pos) "
                f"VALUES ({ph}, {ph}, {ph})",
                cur.fetchall(),
            )
        )
    return out


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    import io

    from django.core.management import call_command
    from django.db import connection

    C.migrate()
    call_command("demo", companies=0, stdout=io.StringIO(), no_migrate=True)  # org + users
    sqlite = connection.vendor == "sqlite"
    raw = _copy_database()
    out = io.StringIO()
    began = time.perf_counter()
    # Customers only: the raw side below copies the customer tables. The relationship history
    # the demo adds by default is measured against its own raw insert in bench/demo_history.py.
    call_command("demo", companies=rows, stdout=out, no_migrate=True, no_history=True)
    demo_s = time.perf_counter() - began
    C.log(f"xinren demo --companies {rows:,}: {demo_s:.1f} s ({rows / demo_s:,.0f}/s)")
    from xinren.customers.models import Company

    ids = list(Company.objects.order_by("id").values_list("id", flat=True)[::BATCH]) + [
        Company.objects.order_by("-id").values_list("id", flat=True).first() + 1
    ]
    raw_s = 0.0
    for lo, hi in zip(ids, ids[1:], strict=False):
        statements = _reads(lo, hi - 1, sqlite)
        began = time.perf_counter()
        if sqlite:
            raw.execute("BEGIN IMMEDIATE")
            for sql, batch in statements:
                raw.executemany(sql, batch)
            raw.execute("COMMIT")
        else:
            with raw.cursor() as cur:
                for sql, batch in statements:
                    if batch:
                        cur.executemany(sql, batch)
            raw.commit()
        raw_s += time.perf_counter() - began
    raw.close()
    C.log(f"raw executemany of the same rows: {raw_s:.1f} s ({rows / raw_s:,.0f}/s)")
    C.log(f"demo / raw: {demo_s / raw_s:.2f}x")
    if not sqlite:
        C.pg_admin(f"DROP DATABASE IF EXISTS {RAW_PG_DB} WITH (FORCE)")
    return {
        "engine": C.vendor(),
        "rows": rows,
        "demo_s": demo_s,
        "raw_s": raw_s,
        "ratio": demo_s / raw_s,
    }


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 1_000_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    args.reuse = False  # always a fresh database: this measures the fill itself
    print(f"demo load benchmark, {args.rows:,} companies — {C.machine()}")
    for r in C.run_children(args, __file__):
        print(
            f"{r['engine']:10} demo {r['demo_s']:.1f} s, raw executemany {r['raw_s']:.1f} s, "
            f"ratio {r['ratio']:.2f}x  target {'met' if r['ratio'] <= 3 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
