"""Duplicate check on entry over N companies: ``duplicate_candidates(rep, name=…,
region_code=…)`` against a plain ``name LIKE '%core%'`` scan, on SQLite and PostgreSQL,
measured side by side in one run.

    .venv/bin/python bench/duplicate_check.py [--rows 100000] [--db sqlite|postgres|both] [--reuse]

Typed names are variants of stored names, the way a rep types them: a region prefix or a
bracketed region added, a different legal form, one character of the core mistyped, a
homophone. For each we time the check (as a sales rep: narrow scope, the slow side of the
search index) and the scan, and count how often the stored company is among the 5
candidates. Own databases: PostgreSQL ``xinren_bench_dedupe``, SQLite folder
``xinren-bench-dedupe-sqlite-N`` under the temporary directory (kept with --keep/--reuse).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.own_databases("dedupe")

PICKS = 40
REPEAT = 3
TYPO = "信达宏远恒泰锐思博"
HOMOPHONE = {"技": "计", "科": "可", "信": "新", "华": "化", "达": "大", "电": "店", "通": "同"}


def variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    from xinren.standards.names import LEGAL_FORMS, name_key

    core = name_key(name)
    form = next((f for f in LEGAL_FORMS if name.endswith(f)), "有限公司")
    other_form = "股份有限公司" if form != "股份有限公司" else "有限公司"
    out = [
        ("region_prefix", "上海市" + name),
        ("bracket_region", core + "（北京）" + form),
        ("legal_form", core + other_form),
    ]
    if len(core) >= 4:
        i = rng.randrange(1, len(core) - 1)
        out.append(("typo", core[:i] + rng.choice(TYPO) + core[i + 1 :] + form))
    sounds = [i for i, ch in enumerate(core) if ch in HOMOPHONE]
    if sounds:
        i = rng.choice(sounds)
        out.append(("homophone", core[:i] + HOMOPHONE[core[i]] + core[i + 1 :] + form))
    return out


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    fill_seconds = C.fill(rows, reuse)
    from django.db import connection

    from xinren.customers.models import Company
    from xinren.orgs.models import User
    from xinren.quality.models import CompanyKey
    from xinren.quality.selectors import duplicate_candidates
    from xinren.quality.services import backfill_keys
    from xinren.standards.names import name_key

    began = time.perf_counter()
    added = backfill_keys()  # a database filled before the keys existed
    if added:
        C.log(f"back-filled keys of {added:,} companies in {time.perf_counter() - began:.1f} s")
        C.analyze()
    rep = User.objects.filter(role__code="sales_rep", is_active=True).order_by("pk").first()
    rng = random.Random(11)
    high = Company.objects.order_by("-id").values_list("id", flat=True).first()
    picks = []
    while len(picks) < PICKS:
        c = Company.objects.filter(pk__gte=rng.randint(1, high)).order_by("id").first()
        if c and c.uscc:
            picks.append(c)

    def scan(core: str) -> list:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, name FROM customers_company WHERE name LIKE %s ORDER BY id DESC"
                " LIMIT 20",
                ["%" + core + "%"],
            )
            return cur.fetchall()

    for c in picks[:3]:  # warm caches
        duplicate_candidates(rep, name=c.name)
    check, like = [], []
    hits: dict[str, list[int]] = {}
    for c in picks:
        for kind, typed in variants(c.name, rng):
            found: list = []
            t = C.timed(
                lambda typed=typed, c=c, found=found: found.append(
                    duplicate_candidates(rep, name=typed, region_code=c.region_code)
                ),
                REPEAT,
            )
            check += t
            core = name_key(typed)[:4]
            like += C.timed(lambda core=core: scan(core), 1)
            got = {x.uscc for x in found[-1]}
            if kind == "typo" and CompanyKey.objects.filter(name_key=name_key(typed)).exists():
                # The demo's small vocabulary: the mistyped name is another company's name,
                # which then rightly outranks the one meant.
                kind = "typo_is_other_name"
            hits.setdefault(kind, []).append(int(c.uscc in got))
    result = {
        "engine": C.vendor(),
        "rows": rows,
        "fill_s": fill_seconds,
        "check": {"n": len(check), "p50": C.median(check), "p95": C.pct(check, 95)},
        "like": {"n": len(like), "p50": C.median(like), "p95": C.pct(like, 95)},
        "found": {k: sum(v) / len(v) for k, v in hits.items()},
    }
    C.log(
        f"duplicate_candidates n={len(check)}  p50 {result['check']['p50']:.2f} ms  "
        f"p95 {result['check']['p95']:.2f} ms"
    )
    C.log(
        f"name LIKE scan       n={len(like)}  p50 {result['like']['p50']:.2f} ms  "
        f"p95 {result['like']['p95']:.2f} ms"
    )
    for kind, rate in result["found"].items():
        C.log(f"stored company among the 5 candidates, {kind:18} {rate:6.1%} (n={len(hits[kind])})")
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"duplicate-check benchmark, {args.rows:,} companies — {C.machine()}")
    for r in C.run_children(args, __file__):
        print(
            f"{r['engine']:10} check p50 {r['check']['p50']:7.2f} ms  p95 {r['check']['p95']:7.2f}"
            f" ms   LIKE scan p50 {r['like']['p50']:7.2f} ms  p95 {r['like']['p95']:7.2f} ms   "
            f"scan/check p50 {r['like']['p50'] / r['check']['p50']:5.1f}x"
        )


if __name__ == "__main__":
    main()
