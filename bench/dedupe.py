"""Batch duplicate detection: ``xinren.quality.matching.find_pairs`` against splink (DuckDB
backend) on the same labelled records, in one run; then a large run for wall time and memory.

    pip install -e '.[bench]'        # splink, duckdb (bench only)
    .venv/bin/python bench/dedupe.py [--rows 100000] [--large 1000000] [--db N] [--seed N]

Records come from ``tests/quality/labelled.py`` (known duplicate clusters in realistic
variants, plus hard look-alike non-duplicates). Quality is pairwise: a found pair is right when
both records belong to one entity; recall is over all pairs of each entity's records.

splink gets the same records with our normalised core name and its pinyin as extra columns
(it has no Chinese normalisation of its own; the time to compute them is added to its wall
time, as find_pairs computes them inside its own). Its model: comparisons on the core name
(Damerau-Levenshtein ≤ 1, ≤ 2), pinyin, USCC (exact, ≤ 1 edit), phone, region, legal
representative; blocking on USCC, core name, pinyin, phone, name prefix + region, name suffix
+ region, legal representative + region; λ from exact USCC matches, u by random sampling,
m by EM on three blocking rules. Its threshold is the best of several match probabilities
measured against the labels (an oracle choice in splink's favour); 0.5 is printed too.

The large run (``--large``) measures find_pairs alone in a fresh process: wall time and the
process's peak resident memory (ru_maxrss, which includes the generated records themselves).
``--db N`` loads N labelled records as companies (with their quality_companykey rows) into a
fresh SQLite database under /tmp (removed afterwards) and measures
``find_pairs(company_records())`` there, in its own process: the path of the batch job.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
os.environ.setdefault("XINREN_DATA_DIR", "/tmp/xinren-bench-matching-data")

SPLINK_THRESHOLDS = (0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999, 0.999999)


def setup():
    import django

    django.setup()


def quality(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict:
    tp = len(found & truth)
    p = tp / len(found) if found else 0.0
    r = tp / len(truth) if truth else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "pairs": len(found)}


def records_of(data):
    from xinren.quality.matching import Record

    return [
        Record(r.id, r.name, r.uscc, r.phone, r.region_code, r.legal_rep, r.address)
        for r in data.records
    ]


def run_ours(data) -> dict:
    from xinren.quality.matching import find_pairs

    recs = records_of(data)
    t = time.perf_counter()
    found = {(m.a, m.b) for m in find_pairs(recs)}
    wall = time.perf_counter() - t
    return {"wall": wall, **quality(found, data.true_pairs())}


def run_splink(data) -> dict:
    import logging

    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from xinren.standards.names import key_pinyin, name_key

    t0 = time.perf_counter()
    keys = [name_key(r.name) for r in data.records]
    cols = {
        "unique_id": [r.id for r in data.records],
        "name_key": keys,
        "pinyin": [key_pinyin(k) for k in keys],
        "uscc": [r.uscc or None for r in data.records],
        "phone": ["".join(c for c in r.phone if c.isdigit()) or None for r in data.records],
        "region_code": [r.region_code or None for r in data.records],
        "legal_rep": [r.legal_rep or None for r in data.records],
    }
    prep = time.perf_counter() - t0

    t1 = time.perf_counter()
    db = DuckDBAPI()
    df = db.register(pa.table(cols), dataset_display_name="companies")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("name_key", [1, 2]),
            cl.ExactMatch("pinyin"),
            cl.DamerauLevenshteinAtThresholds("uscc", [1]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("region_code"),
            cl.ExactMatch("legal_rep"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("uscc"),
            block_on("name_key"),
            block_on("pinyin"),
            block_on("phone"),
            block_on("substr(name_key, 1, 2)", "region_code"),
            block_on("substr(name_key, -3, 3)", "region_code"),
            block_on("legal_rep", "region_code"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("uscc")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_key"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("uscc"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    pred = linker.inference.predict(threshold_match_probability=min(SPLINK_THRESHOLDS))
    rows = pred.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability")
    rows = rows.fetchall()
    wall = prep + time.perf_counter() - t1

    truth = data.true_pairs()
    by_threshold = {}
    for th in SPLINK_THRESHOLDS:
        found = {(min(a, b), max(a, b)) for a, b, p in rows if p >= th}
        by_threshold[th] = quality(found, truth)
    best = max(by_threshold, key=lambda th: by_threshold[th]["f1"])
    return {
        "wall": wall,
        "prep": prep,
        "threshold": best,
        **by_threshold[best],
        "at_0.5": by_threshold[0.5],
    }


def large_child(rows: int, seed: int) -> dict:
    setup()
    from tests.quality.labelled import generate

    t = time.perf_counter()
    data = generate(rows, seed=seed)
    gen = time.perf_counter() - t
    truth = data.true_pairs()
    recs = records_of(data)
    del data
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from xinren.quality.matching import find_pairs

    t, cpu = time.perf_counter(), time.process_time()
    found = {(m.a, m.b) for m in find_pairs(recs)}
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "records": len(recs),
        "generate": gen,
        "wall": wall,
        "cpu": cpu,
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak,
        **quality(found, truth),
    }


def db_fill_child(rows: int, seed: int) -> dict:
    """Migrate a fresh SQLite database and bulk-load the labelled records as companies with
    their lookup keys (what the customer services keep on every write)."""
    setup()
    from django.core.management import call_command

    from tests.quality.labelled import generate
    from xinren.customers.models import Company
    from xinren.quality.models import CompanyKey
    from xinren.standards.names import key_pinyin, name_key

    call_command("migrate", verbosity=0)
    data = generate(rows, seed=seed)
    t = time.perf_counter()
    seen: set[str] = set()
    for start in range(0, len(data.records), 5000):
        part = data.records[start : start + 5000]
        companies, keys = [], []
        for r in part:
            uscc = r.uscc if r.uscc and r.uscc not in seen else None  # the column is unique
            seen.add(r.uscc)
            companies.append(
                Company(
                    id=r.id,
                    name=r.name,
                    uscc=uscc,
                    phone=r.phone,
                    region_code=r.region_code,
                    legal_rep=r.legal_rep,
                    registered_address=r.address,
                )
            )
            key = name_key(r.name)
            keys.append(
                CompanyKey(
                    company_id=r.id,
                    name_key=key,
                    pinyin_key=key_pinyin(key),
                    phone_digits="".join(c for c in r.phone if c.isdigit()),
                )
            )
        Company.objects.bulk_create(companies)
        CompanyKey.objects.bulk_create(keys)
    return {"records": len(data.records), "fill": time.perf_counter() - t}


def db_detect_child() -> dict:
    setup()
    from xinren.quality.matching import company_records, find_pairs

    t, cpu = time.perf_counter(), time.process_time()
    found = sum(1 for _ in find_pairs(company_records()))
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": cpu, "peak_rss_mib": peak, "pairs": found}


def run_db(rows: int, seed: int) -> None:
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="xinren-bench-matching-")
    env = {**os.environ, "XINREN_DATA_DIR": tmp}
    env.pop("DATABASE_URL", None)
    try:
        out = []
        for flag in (["--child-db-fill", str(rows)], ["--child-db-detect", "1"]):
            done = subprocess.run(
                [sys.executable, __file__, *flag, "--seed", str(seed)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
        fill, r = out
        print(
            f"SQLite: {fill['records']:,} companies (loaded in {fill['fill']:.0f} s); "
            f"find_pairs(company_records()) wall {r['wall']:.1f} s ({r['wall'] / 60:.1f} min, "
            f"CPU {r['cpu']:.0f} s), "
            f"peak RSS {r['peak_rss_mib']:,.0f} MiB, {r['pairs']:,} pairs"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--large", type=int, default=1_000_000, help="0 skips the large run")
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--db", type=int, default=0, help="companies loaded into SQLite (0: skip)")
    p.add_argument("--child-large", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-db-fill", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-db-detect", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_db_fill:
        print(json.dumps(db_fill_child(args.child_db_fill, args.seed)))
        return
    if args.child_db_detect:
        print(json.dumps(db_detect_child()))
        return
    if args.child_large:
        print(json.dumps(large_child(args.child_large, args.seed)))
        return

    if args.rows:
        setup()
        from tests.quality.labelled import generate

        data = generate(args.rows, seed=args.seed)
        print(f"{len(data.records):,} records, {len(data.true_pairs()):,} true pairs")
        ours = run_ours(data)
        theirs = run_splink(data)
        for name, r in (("find_pairs", ours), ("splink", theirs)):
            print(
                f"{name:>10}: F1 {r['f1']:.4f}  precision {r['precision']:.4f}  "
                f"recall {r['recall']:.4f}  pairs {r['pairs']:,}  wall {r['wall']:.1f} s"
            )
        a5 = theirs["at_0.5"]
        print(
            f"splink threshold {theirs['threshold']} (best F1 against the labels); at 0.5: "
            f"F1 {a5['f1']:.4f} P {a5['precision']:.4f} R {a5['recall']:.4f}; its wall time "
            f"includes {theirs['prep']:.1f} s of our name normalisation"
        )
        print(
            f"ratios: F1 ours/splink {ours['f1'] / theirs['f1']:.3f}, "
            f"wall ours/splink {ours['wall'] / theirs['wall']:.3f}"
        )
    if args.large:
        out = subprocess.run(
            [sys.executable, __file__, "--child-large", str(args.large), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"large: {r['records']:,} records, find_pairs wall {r['wall']:.1f} s "
            f"({r['wall'] / 60:.1f} min, CPU {r['cpu']:.0f} s), peak RSS {r['peak_rss_mib']:,.0f} MiB "
            f"({r['rss_before_mib']:,.0f} MiB before, records included); "
            f"F1 {r['f1']:.4f} P {r['precision']:.4f} R {r['recall']:.4f}"
        )
    if args.db:
        run_db(args.db, args.seed)


if __name__ == "__main__":
    main()
