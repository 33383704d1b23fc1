"""Export of the customer list at N companies: ``xinren.quality.exporting`` (scope, the visible
accounts, masking, formula neutralising, typed xlsx cells) against a raw ``values_list`` dump
of the same companies' columns, on SQLite and PostgreSQL, side by side in one run.

    .venv/bin/python bench/exports.py [--rows 100000] [--db sqlite|postgres|both] [--reuse]

The exporting user is a group administrator (every company: the longest list). Baselines:
the company table's columns straight from ``values_list`` into ``csv.writer``, and the same
rows into an openpyxl write-only sheet (no accounts, no masking, no types). Own databases:
PostgreSQL ``xinren_bench_exports``, SQLite folder ``xinren-bench-exports-*`` under the
temporary directory. The fill is ``xinren demo --no-history`` (customers only).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.own_databases("exports")

FIELDS = [
    "name", "uscc", "entity_type", "legal_rep", "legal_rep_id_number", "region_code",
    "industry_code", "size_band", "phone",
]  # fmt: skip


def fill(rows: int, reuse: bool) -> float | None:
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


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    fill_seconds = fill(rows, reuse)
    from openpyxl import Workbook

    from xinren.customers.models import Company
    from xinren.orgs.models import User
    from xinren.quality import exporting

    admin = User.objects.filter(role__code="group_admin", is_active=True).order_by("pk").first()
    out = Path(tempfile.mkdtemp(prefix="xinren-bench-exports-out-"))

    def raw_csv() -> int:
        n = 0
        with open(out / "raw.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(FIELDS)
            for row in Company.objects.order_by("-id").values_list(*FIELDS).iterator(2000):
                writer.writerow(row)
                n += 1
        return n

    def raw_xlsx() -> int:
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(FIELDS)
        n = 0
        for row in Company.objects.order_by("-id").values_list(*FIELDS).iterator(2000):
            sheet.append(row)
            n += 1
        book.save(out / "raw.xlsx")
        return n

    def export(fmt: str) -> int:
        prepared = exporting.prepare(admin, "customers", fmt, {})
        return exporting.write_file(prepared, out / f"export.{fmt}")

    result = {"engine": C.vendor(), "rows": rows, "fill_s": fill_seconds}
    for name, fn in [
        ("raw_csv", raw_csv),
        ("export_csv", lambda: export("csv")),
        ("raw_xlsx", raw_xlsx),
        ("export_xlsx", lambda: export("xlsx")),
    ]:
        began = time.perf_counter()
        count = fn()
        seconds = time.perf_counter() - began
        size = next(out.glob(f"{name.split('_')[0]}.{name.split('_')[1]}")).stat().st_size
        result[name] = {"s": seconds, "rows": count, "mb": size / 1e6}
        C.log(f"{name:12} {count:>8,} rows  {seconds:7.2f} s  {size / 1e6:6.1f} MB")
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    C.log(f"peak RSS of the process {result['max_rss_mb']:.0f} MB")
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"export benchmark, {args.rows:,} companies — {C.machine()}")
    for r in C.run_children(args, __file__):
        print(
            f"{r['engine']:10} CSV export {r['export_csv']['s']:6.1f} s vs raw "
            f"{r['raw_csv']['s']:5.1f} s = {r['export_csv']['s'] / r['raw_csv']['s']:4.1f}x   "
            f"xlsx export {r['export_xlsx']['s']:6.1f} s vs raw xlsx {r['raw_xlsx']['s']:5.1f} s "
            f"= {r['export_xlsx']['s'] / r['raw_xlsx']['s']:4.1f}x, vs raw CSV "
            f"{r['export_xlsx']['s'] / r['raw_csv']['s']:4.1f}x   peak RSS {r['max_rss_mb']:.0f} MB"
        )
    if args.db in ("postgres", "both") and not args.reuse:
        C.pg_admin(f"DROP DATABASE IF EXISTS {C.PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
