"""Shared set-up for the benchmarks: a throwaway database per engine, migrated and filled with
``xinren demo --companies N``, each measured in its own process (Django reads its database
settings once at start-up).

SQLite:     a file under a temporary directory (``XINREN_DATA_DIR``), removed afterwards
            unless ``--keep`` (then ``--reuse`` picks it up again next time).
PostgreSQL: database ``xinren_bench`` at ``$BENCH_PG`` (default
            postgres://postgres@127.0.0.1:5432), dropped and re-created unless ``--reuse``
            finds it already filled with N companies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "xinren_bench"
SQLITE_PREFIX = "xinren-bench"


def own_databases(name: str) -> None:
    """Give this bench its own PostgreSQL database (``xinren_bench_<name>``) and SQLite
    folders (``xinren-bench-<name>-…``), so two benches never share or drop each other's."""
    global PG_DB, SQLITE_PREFIX
    PG_DB = f"xinren_bench_{name}"
    SQLITE_PREFIX = f"xinren-bench-{name}"


def arguments(description: str, default_rows: int) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rows", type=int, default=default_rows, help="companies (default %(default)s)")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--reuse", action="store_true", help="keep using a filled bench database")
    p.add_argument("--keep", action="store_true", help="do not delete the SQLite file")
    p.add_argument("--child", help=argparse.SUPPRESS)
    return p.parse_args()


def sqlite_dir(rows: int, persistent: bool) -> Path:
    if persistent:
        path = Path(tempfile.gettempdir()) / f"{SQLITE_PREFIX}-sqlite-{rows}"
        path.mkdir(exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=f"{SQLITE_PREFIX}-"))


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def pg_has_database(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def run_children(args: argparse.Namespace, script: str) -> list[dict]:
    """Run this script once per engine in a fresh process; collect the JSON each prints last."""
    results = []
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for engine in engines:
        env = dict(os.environ)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        tmp = None
        if engine == "sqlite":
            tmp = sqlite_dir(args.rows, args.reuse or args.keep)
            env["XINREN_DATA_DIR"] = str(tmp)
            env.pop("DATABASE_URL", None)
        else:
            if not (args.reuse and pg_has_database(PG_DB)):
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                pg_admin(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
            env["XINREN_DATA_DIR"] = str(sqlite_dir(0, False))
        cmd = [sys.executable, script, "--child", engine, "--rows", str(args.rows)]
        if args.reuse:
            cmd.append("--reuse")
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines = proc.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
            print(f"[{engine}] failed (exit {proc.returncode})")
            continue
        results.append(json.loads(lines[-1]))
        if engine == "sqlite" and not (args.reuse or args.keep) and tmp:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return results


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def fill(rows: int, reuse: bool) -> float | None:
    """``xinren demo --companies rows`` unless a reused database already has them; returns
    the seconds it took (None when reused)."""
    from django.core.management import call_command

    from xinren.customers.models import Company

    migrate()
    have = Company.objects.count()
    if reuse and have == rows:
        log(f"reusing {have:,} companies")
        return None
    if have:
        raise SystemExit(f"bench database not empty ({have:,} companies); drop it or use --reuse")
    began = time.perf_counter()
    with open(os.devnull, "w") as sink:
        call_command("demo", companies=rows, stdout=sink, no_migrate=True)
    seconds = time.perf_counter() - began
    log(f"filled {rows:,} companies with xinren demo in {seconds:.1f} s")
    analyze()
    return seconds


def analyze() -> None:
    """Fresh planner statistics; on PostgreSQL also ``VACUUM`` (what autovacuum would have
    done by the next day on a server with its default settings — it is off on this
    machine's), so index-only scans see the pages written by the load as all-visible."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def log(msg: str) -> None:
    print(f"[{vendor()}] {msg}", flush=True)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    return f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
