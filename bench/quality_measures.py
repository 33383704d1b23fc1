"""Data-quality refresh over N companies: ``refresh_scores()`` (every account scored with the
format rules, score rows upserted, tasks closed, the day's snapshot written) against two
single-statement SQL baselines over the same rows, on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/quality_measures.py [--rows 100000] [--db sqlite|postgres|both] [--reuse]

Baselines: ``count`` is ``SELECT COUNT(*)`` of accounts joined to their companies (the
cheapest possible pass over the rows); ``fill`` is one SQL statement that counts, per
account, the filled required company fields with CASE expressions (completeness without the
format rules, contacts or per-subsidiary profiles). Also timed: the dashboard's reads (the
group total and the per-subsidiary breakdown) for a group admin and a sales rep (total and breakdown, worst records, trend). Own
databases: PostgreSQL ``xinren_bench_measures``, SQLite folder
``xinren-bench-measures-sqlite-N`` under the temporary directory (kept with --keep/--reuse).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.own_databases("measures")


def _fill(rows: int, reuse: bool) -> float | None:
    """``xinren demo --companies rows --no-history`` (the refresh reads companies, accounts,
    contacts and documents only; the history would only lengthen the fill)."""
    from django.core.management import call_command

    from xinren.customers.models import Company

    C.migrate()
    have = Company.objects.count()
    if reuse and have == rows:
        C.log(f"reusing {have:,} companies")
        return None
    if have:
        raise SystemExit(f"bench database not empty ({have:,} companies); drop it or use --reuse")
    began = time.perf_counter()
    with open(os.devnull, "w") as sink:
        call_command("demo", companies=rows, stdout=sink, no_migrate=True, no_history=True)
    seconds = time.perf_counter() - began
    C.log(f"filled {rows:,} companies with xinren demo --no-history in {seconds:.1f} s")
    C.analyze()
    return seconds


REPEAT = 5
FILLED = [
    "legal_rep",
    "registered_address",
    "region_code",
    "industry_code",
    "size_band",
    "main_business",
    "phone",
]


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    fill_seconds = _fill(rows, reuse)
    from django.db import connection

    from xinren.customers.models import CustomerAccount
    from xinren.orgs.models import User
    from xinren.quality.measures import selectors, services

    accounts = CustomerAccount.objects.count()

    def sql(statement: str) -> None:
        with connection.cursor() as cur:
            cur.execute(statement)
            cur.fetchall()

    count_sql = (
        "SELECT COUNT(*) FROM customers_customeraccount a"
        " JOIN customers_company c ON c.id = a.company_id"
    )
    cases = " + ".join(f"CASE WHEN c.{f} <> '' THEN 1 ELSE 0 END" for f in FILLED)
    fill_sql = (
        f"SELECT SUM({cases} + CASE WHEN c.uscc IS NOT NULL THEN 1 ELSE 0 END"
        " + CASE WHEN c.founded_on IS NOT NULL THEN 1 ELSE 0 END"
        " + CASE WHEN c.registered_capital IS NOT NULL THEN 1 ELSE 0 END)"
        " FROM customers_customeraccount a JOIN customers_company c ON c.id = a.company_id"
    )
    count_ms = C.median(C.timed(lambda: sql(count_sql), REPEAT))
    fill_ms = C.median(C.timed(lambda: sql(fill_sql), REPEAT))

    refresh_s, result = [], {}
    for _ in range(2):  # the first inserts every score row, the second updates them
        began = time.perf_counter()
        result = services.refresh_scores()
        refresh_s.append(time.perf_counter() - began)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    C.analyze()

    admin = User.objects.filter(role__code="group_admin").order_by("pk").first()
    rep = User.objects.filter(role__code="sales_rep", is_active=True).order_by("pk").first()
    reads = {}
    for name, user in (("group_admin", admin), ("sales_rep", rep)):
        user = User.objects.select_related("role", "org_unit").get(pk=user.pk)

        def read(user=user):  # what the dashboard page reads
            selectors.summary(user, "subsidiary")
            selectors.worst_page(user, 20)
            selectors.trend(user)
            selectors.last_refresh(user)

        reads[name] = C.median(C.timed(read, REPEAT))
    out = {
        "engine": C.vendor(),
        "rows": rows,
        "accounts": accounts,
        "fill_s": fill_seconds,
        "refresh_first_s": refresh_s[0],
        "refresh_again_s": refresh_s[1],
        "count_ms": count_ms,
        "fill_sql_ms": fill_ms,
        "rss_mb": rss_mb,
        "reads_ms": reads,
        "scored": result["accounts"],
        "snapshot_rows": result["snapshot_rows"],
    }
    C.log(
        f"refresh {accounts:,} accounts: first {refresh_s[0]:.1f} s, again {refresh_s[1]:.1f} s"
        f" ({accounts / refresh_s[1]:,.0f} accounts/s), max RSS {rss_mb:.0f} MB"
    )
    C.log(f"SQL COUNT(*) {count_ms:.1f} ms   SQL fill-count {fill_ms:.1f} ms")
    C.log(
        f"dashboard reads p50: group admin {reads['group_admin']:.1f} ms,"
        f" sales rep {reads['sales_rep']:.1f} ms"
    )
    return out


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"data-quality refresh benchmark, {args.rows:,} companies — {C.machine()}")
    for r in C.run_children(args, __file__):
        again_ms = r["refresh_again_s"] * 1000
        print(
            f"{r['engine']:10} {r['accounts']:,} accounts  refresh {r['refresh_again_s']:.1f} s"
            f" (first {r['refresh_first_s']:.1f} s)   COUNT {r['count_ms']:.1f} ms"
            f" → {again_ms / r['count_ms']:,.0f}x   SQL fill-count {r['fill_sql_ms']:.1f} ms"
            f" → {again_ms / r['fill_sql_ms']:,.0f}x   reads admin {r['reads_ms']['group_admin']:.1f}"
            f" ms, rep {r['reads_ms']['sales_rep']:.1f} ms   RSS {r['rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
