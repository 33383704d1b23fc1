"""Batch detection's persistence: how much the job adds on top of the engine, on SQLite and
PostgreSQL, measured side by side in one run.

    .venv/bin/python bench/dedupe_store.py [--rows 200000] [--db sqlite|postgres|both]

The engine is replaced by a generator that pairs company 2k with 2k+1 (``--rows`` companies,
``rows / 2`` pairs), so what is timed is ``run_detection`` without the matching: reading the
master, and upserting the pairs in batches with remembered decisions. Baseline, same run: a raw
``bulk_create`` of the same pair rows in one transaction. Three runs: the first (every pair
new), a second (every pair refreshed), a third after half the pairs were decided (those are
kept, the rest refreshed). Memory, untimed: the Python allocation peak (tracemalloc) of a run
against that of holding the run's pairs as one list — the job streams. Own databases: PostgreSQL
``xinren_bench_dedupe`` (dropped at the end), SQLite under a temporary folder (removed).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.PG_DB = "xinren_bench_dedupe"
C.sqlite_dir = lambda rows, persistent: Path(tempfile.mkdtemp(prefix="xinren-bench-dedupe-"))


def _fill(rows: int) -> None:
    from django.db import transaction

    from xinren.customers.models import Company

    C.migrate()
    began = time.perf_counter()
    with transaction.atomic():
        Company.objects.bulk_create(
            (Company(name=f"基准{i}有限公司") for i in range(rows)), batch_size=5000
        )
    C.log(f"inserted {rows:,} companies in {time.perf_counter() - began:.1f} s")
    C.analyze()


def _fake_engine(records, *, threshold, on_progress=None):
    from xinren.quality.matching import Match, Reason

    ids = [r.id for r in records]  # the engine holds one int per company, as a real one must
    for i in range(0, len(ids) - 1, 2):
        yield Match(ids[i], ids[i + 1], 90, (Reason("same_name", 90), Reason("same_region", 0)))
        if on_progress is not None and i % 10_000 == 0:
            on_progress(i, len(ids))


def child(rows: int) -> dict:
    C.setup_django()
    _fill(rows)
    from django.db import transaction

    from xinren.customers.models import Company
    from xinren.quality import matching
    from xinren.quality.models import DuplicatePair, PairStatus
    from xinren.quality.services_dedupe import run_detection

    matching.find_pairs = _fake_engine
    ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    reasons = [{"code": "same_name", "score": 90}, {"code": "same_region", "score": 0}]

    def objects() -> list:
        return [
            DuplicatePair(company_a_id=a, company_b_id=b, score=90, reasons=reasons)
            for a, b in zip(ids[::2], ids[1::2], strict=False)
        ]

    began = time.perf_counter()
    with transaction.atomic():
        DuplicatePair.objects.bulk_create(objects(), batch_size=2000)
    baseline = time.perf_counter() - began
    pairs = DuplicatePair.objects.count()
    DuplicatePair.objects.all().delete()
    out = {"engine": C.vendor(), "rows": rows, "pairs": pairs, "raw_s": baseline}
    for name in ("first", "second", "third"):
        if name == "third":
            half = list(DuplicatePair.objects.order_by("pk").values_list("pk", flat=True)[::2])
            for at in range(0, len(half), 5000):
                DuplicatePair.objects.filter(pk__in=half[at : at + 5000]).update(
                    status=PairStatus.DIFFERENT
                )
        began = time.perf_counter()
        run = run_detection(actor=None)
        seconds = time.perf_counter() - began
        out[name] = {
            "s": seconds,
            "found": run.pairs_found,
            "new": run.pairs_new,
            "kept": run.parameters["remembered"],
        }
        C.log(f"{name} run: {seconds:.1f} s, {run.pairs_found:,} found, {run.pairs_new:,} new")
    # Memory, untimed: a run (refreshing every pair) against the run's pairs held as a list.
    tracemalloc.start()
    held = objects()
    list_peak = tracemalloc.get_traced_memory()[1]
    del held
    tracemalloc.reset_peak()
    run_detection(actor=None)
    out["run_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["list_peak_mb"] = list_peak / 2**20
    return out


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 200_000)
    if args.child:
        print(json.dumps(child(args.rows)))
        return
    print(f"batch detection persistence, {args.rows:,} companies — {C.machine()}")
    try:
        for r in C.run_children(args, __file__):
            print(
                f"{r['engine']:10} {r['pairs']:,} pairs: raw bulk insert {r['raw_s']:.1f} s "
                f"(the pairs as one list: {r['list_peak_mb']:.0f} MiB)"
            )
            for name in ("first", "second", "third"):
                x = r[name]
                print(
                    f"{'':10} {name:6} run {x['s']:6.1f} s = {x['s'] / r['raw_s']:4.1f}x raw   "
                    f"new {x['new']:,} kept {x['kept']:,}"
                )
            print(
                f"{'':10} Python allocation peak of a run {r['run_peak_mb']:.0f} MiB = "
                f"{r['run_peak_mb'] / r['list_peak_mb']:.2f}x the pairs held as one list"
            )
    finally:
        if args.db in ("postgres", "both"):
            C.pg_admin(f"DROP DATABASE IF EXISTS {C.PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
