"""Re-screening N companies against an M-entry watch list (USCC exact plus normalised name):
``xinren.kyc.screening.screen_all`` against one plain SQL join on USCC alone over the same
data, measured side by side in one run, on SQLite and PostgreSQL.

    .venv/bin/python bench/screening.py [--rows 1000000] [--entries 100000] [--db sqlite|postgres|both]

The data is generated once (names and USCCs, name keys computed by the quality normaliser)
and bulk-loaded with executemany into each engine's own database: SQLite under
``$TMPDIR/xinren-bench-screening-*`` and PostgreSQL ``xinren_bench_screening`` (or
``$BENCH_PG_DB``) on ``$BENCH_PG``, both removed at the end. 10% of the companies have no
USCC. The list: 70% of entries with a USCC (1 in 14 of them a company of the master), 30% by
name only (1 in 15 the normalised name of a company of the master, written differently:
region in brackets, another legal form).

The entries' USCCs that are not in the master lie among the master's (``--list-codes
interleaved``, the default since 2026-11-26 session 11), as on a real list: a national
dishonest-entity list and a company master share regions and years, so their codes
interleave. ``--list-codes above`` is the earlier generator: those codes all sorted above
every master USCC, so most index probes of the baseline join ended on the last page of the
index, which SQLite tries before descending from the root (≈ 4× cheaper than a probe landing
between two codes). That made the baseline unrealistically cheap on SQLite. Kept for comparison
with the earlier figures.

Measured: the baseline join (all matching id pairs fetched), then ``screen_all``, interleaved,
``--repeat`` times (default 3): the first run inserts every hit, the next ones are the daily
steady state (every hit found again, nothing new). Ratios are against the baseline's median
in the same process; the steady state is the median of the runs after the first.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PG_DB", "xinren_bench_screening")  # one per concurrent bench
REPEAT = 3

REGIONS = ["上海", "北京", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "天津"]
CHARS = "信达宏远恒泰锐思博华通明德瑞安嘉诚兴隆永盛天和聚鑫源海创新智联云峰金"
TRADES = ["科技", "贸易", "电子", "医药", "机械", "物流", "化工", "材料", "软件", "食品"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司"]


def _uscc(i: int) -> str:
    from xinren.standards.uscc import ALPHABET, check_character

    digits = []
    for _ in range(9):
        i, r = divmod(i, 31)
        digits.append(ALPHABET[r])
    first17 = "91310000" + "".join(reversed(digits))
    return first17 + check_character(first17)


def _core(i: int, rng: random.Random) -> str:
    # A distinctive core: two pool characters plus the index spelled in pool characters.
    n, out = i, []
    while True:
        n, r = divmod(n, len(CHARS))
        out.append(CHARS[r])
        if n == 0:
            break
    return rng.choice(CHARS) + rng.choice(CHARS) + "".join(out)


def generate(rows: int, entries: int, path: Path, list_codes: str = "interleaved") -> None:
    from xinren.standards.names import name_key

    rng = random.Random(20261126)
    companies = []  # (id, name, uscc or None, name_key)
    for i in range(1, rows + 1):
        core = _core(i, rng)
        name = rng.choice(REGIONS) + core + rng.choice(TRADES) + rng.choice(FORMS)
        uscc = _uscc(i) if rng.random() >= 0.10 else None
        companies.append((i, name, uscc, name_key(name)))
    listed = []  # (uscc, name, name_key)
    free = [c[0] for c in companies if c[2] is None]
    with_uscc = int(entries * 0.7)
    for j in range(with_uscc):
        if j % 14 == 0:
            c = companies[rng.randrange(rows)]
            code = c[2] or _uscc(rows + 1 + j)
            name = c[1]
        else:
            # "above": every code sorts after the master's (the index probes of the baseline
            # and of the match end on the index's last page, which SQLite checks first);
            # "interleaved": the codes the master's companies without one would have had.
            spare = rows + 1 + j if list_codes == "above" else free[j % len(free)]
            code, name = _uscc(spare), "名单" + _core(rows + j, rng) + "有限公司"
        listed.append((code, name, name_key(name)))
    for j in range(entries - with_uscc):
        if j % 15 == 0:
            c = companies[rng.randrange(rows)]
            key = c[3]
            name = key + "（" + rng.choice(REGIONS) + "）" + rng.choice(FORMS)
        else:
            name = "异常" + _core(2 * rows + j, rng) + "商行"
        listed.append(("", name, name_key(name)))
    # A USCC listed twice would be a duplicate the import merges: keep the first.
    seen, unique = set(), []
    for e in listed:
        ident = e[0] or "n:" + e[2]
        if ident not in seen:
            seen.add(ident)
            unique.append(e)
    path.write_bytes(pickle.dumps((companies, unique)))


def load(path: Path) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from xinren.customers.models import Company
    from xinren.kyc.models import ListEntry, WatchList
    from xinren.quality.models import CompanyKey

    call_command("migrate", verbosity=0)
    companies, listed = pickle.loads(path.read_bytes())
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = [f for f in Company._meta.concrete_fields]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))

    def company_row(c):
        values = []
        for f in fields:
            if f.column == "id":
                values.append(c[0])
            elif f.column == "name":
                values.append(c[1])
            elif f.column == "uscc":
                values.append(c[2])
            elif f.column in ("created_at", "updated_at"):
                values.append(now)
            elif f.null:
                values.append(None)
            elif f.has_default():
                values.append(f.get_default())
            else:
                values.append("")
        return values

    table = connection.ops.quote_name(Company._meta.db_table)
    keys = connection.ops.quote_name(CompanyKey._meta.db_table)
    # One transaction: in autocommit every row would be its own (fsync'd) commit.
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, len(companies), 20000):
            chunk = companies[start : start + 20000]
            cur.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", [company_row(c) for c in chunk]
            )
            cur.executemany(
                f"INSERT INTO {keys} (company_id, name_key, pinyin_key, phone_digits, has_uscc)"
                " VALUES (%s, %s, '', '', %s)",
                [(c[0], c[3], bool(c[2])) for c in chunk],
            )
    watch = WatchList.objects.create(kind="dishonest", name="bench", entry_count=len(listed))
    entries = connection.ops.quote_name(ListEntry._meta.db_table)
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, len(listed), 20000):
            cur.executemany(
                f"INSERT INTO {entries} (watch_list_id, uscc, name, name_key, reason, authority)"
                " VALUES (%s, %s, %s, %s, '', '')",
                [(watch.pk, *e) for e in listed[start : start + 20000]],
            )
    with connection.cursor() as cur:
        # A live database is vacuumed by autovacuum; a fresh bulk load is not yet (and
        # index-only scans need the visibility map VACUUM sets).
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def child(engine: str, data: Path, repeat: int = REPEAT) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    import django

    django.setup()
    from django.db import connection

    from xinren.customers.models import Company
    from xinren.kyc.models import ListEntry, ListHit
    from xinren.kyc.screening import screen_all

    t = time.perf_counter()
    load(data)
    load_s = time.perf_counter() - t
    company = connection.ops.quote_name(Company._meta.db_table)
    entry = connection.ops.quote_name(ListEntry._meta.db_table)
    baseline_sql = (
        f"SELECT c.id, e.id FROM {entry} e JOIN {company} c ON c.uscc = e.uscc WHERE e.uscc <> ''"
    )

    def baseline() -> tuple[float, int]:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(baseline_sql)
            n = len(cur.fetchall())
        return time.perf_counter() - t, n

    base_times, base_rows = [], 0
    runs = []
    for _ in range(repeat):
        s, base_rows = baseline()
        base_times.append(s)
        t = time.perf_counter()
        result = screen_all()
        runs.append((time.perf_counter() - t, result.as_dict()))
    base = statistics.median(base_times)
    first_s, first = runs[0]
    steady = statistics.median(s for s, _ in runs[1:])
    return {
        "engine": engine,
        "companies": Company.objects.count(),
        "entries": ListEntry.objects.count(),
        "load_s": round(load_s, 1),
        "baseline_rows": base_rows,
        "baseline_s": round(base, 4),
        "first_s": round(first_s, 4),
        "first": first,
        "steady_s": round(steady, 4),
        "steady": runs[-1][1],
        "hits": ListHit.objects.count(),
        "first_ratio": round(first_s / base, 2),
        "steady_ratio": round(steady / base, 2),
    }


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--child")
    p.add_argument("--data")
    p.add_argument("--cache", help="keep the generated data in this file and reuse it")
    p.add_argument(
        "--list-codes", choices=["above", "interleaved"], default="interleaved",
        help="USCCs of the entries not in the master: among the master's (a real list, the"
        " default) or all above them (the earlier generator); a --cache file holds one of the two",
    )  # fmt: skip
    p.add_argument("--repeat", type=int, default=REPEAT, help="baseline/screen_all pairs (≥ 2)")
    args = p.parse_args()
    if args.repeat < 2:
        p.error("--repeat: at least 2 (the first run, then the steady state)")
    sys.path.insert(0, str(ROOT / "src"))
    if args.child:
        print(json.dumps(child(args.child, Path(args.data), args.repeat)))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    work = Path(tempfile.mkdtemp(prefix="xinren-bench-screening-"))
    os.environ["XINREN_DATA_DIR"] = str(work / "gen")
    import django

    django.setup()
    t = time.perf_counter()
    data = Path(args.cache) if args.cache else work / "data.pickle"
    if not data.exists():
        generate(args.rows, args.entries, data, args.list_codes)
    print(f"generated {args.rows} companies, {args.entries} entries in "
          f"{time.perf_counter() - t:.0f} s", file=sys.stderr)  # fmt: skip
    results = []
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    try:
        for engine in engines:
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            env["XINREN_DATA_DIR"] = str(work / engine)
            env["PYTHONPATH"] = str(ROOT / "src")
            env.pop("DATABASE_URL", None)
            if engine == "postgres":
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                pg_admin(f"CREATE DATABASE {PG_DB}")
                env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", engine, "--data", str(data),
                     "--repeat", str(args.repeat)],
                    env=env, capture_output=True, text=True,
                )  # fmt: skip
                if out.returncode:
                    sys.exit(f"{engine} run failed:\n{out.stderr[-3000:]}")
            finally:
                if engine == "postgres":
                    pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n## Watch-list screening ({time.strftime('%Y-%m-%d')}, {platform.node()})\n")
    print("| engine | companies | entries | USCC join (baseline) | screen_all first run "
          "(ratio) | screen_all steady state (ratio) | hits |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['engine']} | {r['companies']:,} | {r['entries']:,} | {r['baseline_s']} s "
            f"({r['baseline_rows']:,} rows) | {r['first_s']} s ({r['first_ratio']}×) | "
            f"{r['steady_s']} s ({r['steady_ratio']}×) | {r['hits']:,} |"
        )


if __name__ == "__main__":
    main()
