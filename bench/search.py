"""Search over N companies: ``search_companies(group_admin, q)[:20]`` against an unindexed
``name LIKE '%q%'`` scan, on SQLite and PostgreSQL, measured side by side in one run.

    .venv/bin/python bench/search.py [--rows 1000000] [--db sqlite|postgres|both] [--reuse]

Queries come from the generated data: 1–4 Chinese characters of real names (split into
*rare* — fewer than 20 matches, the scan must read the whole table — and *common*), pinyin
initials and full pinyin, USCC prefixes, archive numbers, phone prefixes and contact names.
Target: p95 ≤ 50 ms, and ≥ 20× faster than the scan for rare terms.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

REPEAT = 3
PICKS = 20


def queries(rng: random.Random) -> dict[str, list[str]]:
    from xinren.customers import search
    from xinren.customers.models import Company, Contact, CustomerAccount

    high = Company.objects.order_by("-id").values_list("id", flat=True).first()
    picks = []
    while len(picks) < PICKS:
        c = Company.objects.filter(pk__gte=rng.randint(1, high)).order_by("id").first()
        if c:
            picks.append(c)
    out: dict[str, list[str]] = {
        k: []
        for k in (
            "zh_1",
            "zh_2",
            "zh_3",
            "zh_4",
            "pinyin_initials",
            "pinyin_full",
            "uscc_prefix",
            "archive_no",
            "phone_prefix",
            "contact_name",
        )
    }
    for c in picks:
        name = c.name
        for n in (1, 2, 3, 4):
            i = rng.randrange(0, max(1, len(name) - n))
            out[f"zh_{n}"].append(name[i : i + n])
        syl = search.pinyin_syllables(name)
        start = rng.randrange(0, max(1, len(syl) - 3))
        out["pinyin_initials"].append("".join(s[0] for s in syl[start : start + 4]))
        out["pinyin_full"].append("".join(syl[start : start + 2]))
        out["uscc_prefix"].append(c.uscc[:10])
        acc = CustomerAccount.objects.filter(company=c).first()
        out["archive_no"].append(acc.archive_no)
        contact = Contact.objects.filter(company=c).first()
        out["contact_name"].append(contact.name)
        if contact.phone_digits:
            out["phone_prefix"].append(contact.phone_digits[:7])
    return out


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    fill_seconds = C.fill(rows, reuse)
    from django.db import connection

    from xinren.customers.selectors import search_companies
    from xinren.orgs.models import User

    admin = User.objects.get(username="hq.admin")
    rng = random.Random(7)
    qs = queries(rng)
    table = "customers_company"

    def scan(q: str) -> list:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT * FROM {table} WHERE name LIKE %s ORDER BY id DESC LIMIT 20",
                ["%" + q + "%"],
            )
            return cur.fetchall()

    for q in ("华", "hw", "信任"):  # warm caches
        list(search_companies(admin, q)[:20])
    result: dict = {"engine": C.vendor(), "rows": rows, "fill_s": fill_seconds, "kinds": {}}
    all_search: list[float] = []
    rare_s, rare_b, common_s, common_b = [], [], [], []
    for kind, items in qs.items():
        times = []
        for q in items:
            t = C.timed(lambda q=q: list(search_companies(admin, q)[:20]), REPEAT)
            times += t
            if kind.startswith("zh_"):
                began = time.perf_counter()
                found = len(scan(q))  # fewer than 20 rows: fewer than 20 matches in all
                b = [(time.perf_counter() - began) * 1000]
                if found < 20:
                    rare_s.append(min(t))
                    rare_b += b
                else:
                    common_s.append(min(t))
                    common_b += b
        all_search += times
        result["kinds"][kind] = {"n": len(items), "p50": C.median(times), "p95": C.pct(times, 95)}
        C.log(
            f"{kind:16} n={len(items):3}  p50 {C.median(times):8.2f} ms  p95 "
            f"{C.pct(times, 95):8.2f} ms"
        )
    result["all"] = {"p50": C.median(all_search), "p95": C.pct(all_search, 95)}
    for label, s, b in (("rare", rare_s, rare_b), ("common", common_s, common_b)):
        if s:
            result[label] = {
                "n": len(s),
                "search_p50": C.median(s),
                "scan_p50": C.median(b),
                "ratio": C.median(b) / C.median(s),
            }
            C.log(
                f"{label} Chinese terms (n={len(s)}): search p50 {C.median(s):.2f} ms, "
                f"LIKE scan p50 {C.median(b):.2f} ms, scan/search {C.median(b) / C.median(s):.1f}x"
            )
    C.log(f"all queries: p50 {result['all']['p50']:.2f} ms, p95 {result['all']['p95']:.2f} ms")
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 1_000_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"search benchmark, {args.rows:,} companies — {C.machine()}")
    results = C.run_children(args, __file__)
    for r in results:
        rare = r.get("rare", {})
        ok = r["all"]["p95"] <= 50 and rare.get("ratio", 0) >= 20
        print(
            f"{r['engine']:10} p50 {r['all']['p50']:7.2f} ms  p95 {r['all']['p95']:7.2f} ms  "
            f"rare-term speed-up vs LIKE scan {rare.get('ratio', float('nan')):6.1f}x  "
            f"target {'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
