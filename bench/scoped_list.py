"""First page of the customer list — ``visible_companies(user)`` newest first, 20 rows, with
``with_visible_accounts`` — for a department head against a group admin (the unfiltered
baseline), on SQLite and PostgreSQL, measured side by side in one run.

    .venv/bin/python bench/scoped_list.py [--rows 1000000] [--db sqlite|postgres|both] [--reuse]

Target: department head / group admin ≤ 1.5.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

REPEAT = 30
USERS = {
    "group admin": "hq.admin",
    "department head": "east.s1.head",
    "department head (sub-team)": "east.s2.head",
    "sales rep": "east.s1.rep",
    "subsidiary admin": "west.admin",
}


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    fill_seconds = C.fill(rows, reuse)
    from xinren.customers.selectors import visible_companies, with_visible_accounts
    from xinren.orgs.models import User

    def page(username):
        # A fresh user object per page, as each request has: nothing cached between pages.
        user = User.objects.select_related("role", "org_unit").get(username=username)
        qs = with_visible_accounts(user, visible_companies(user).order_by("-id"))[:20]
        rows = list(qs)
        for c in rows:
            assert c.visible_accounts
        return rows

    result = {"engine": C.vendor(), "rows": rows, "fill_s": fill_seconds, "users": {}}
    # Interleaved: each round times every user once, in a rotating order, so a burst of load
    # from other processes on this shared machine hits every user alike (timing one user's 30
    # pages, then the next's, turned load drift into ratios of 2-3x between identical queries).
    labels = list(USERS)
    times: dict[str, list[float]] = {label: [] for label in labels}
    for username in USERS.values():
        page(username)  # warm
    for round_no in range(REPEAT):
        shift = round_no % len(labels)
        for label in labels[shift:] + labels[:shift]:
            times[label] += C.timed(lambda username=USERS[label]: page(username), 1)
    for label in labels:
        t = times[label]
        result["users"][label] = {"p50": C.median(t), "p95": C.pct(t, 95)}
        C.log(f"{label:28} p50 {C.median(t):7.2f} ms  p95 {C.pct(t, 95):7.2f} ms")
    admin = result["users"]["group admin"]["p50"]
    for r in result["users"].values():
        r["ratio"] = r["p50"] / admin
    C.log(
        f"department head / group admin: {result['users']['department head']['ratio']:.2f}x (p50)"
    )
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 1_000_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"scoped list benchmark, {args.rows:,} companies — {C.machine()}")
    for r in C.run_children(args, __file__):
        ratio = max(v["ratio"] for k, v in r["users"].items() if k.startswith("department"))
        print(
            f"{r['engine']:10} admin p50 {r['users']['group admin']['p50']:.2f} ms, "
            f"dept head p50 {r['users']['department head']['p50']:.2f} ms, "
            f"worst dept-head/admin {ratio:.2f}x  target {'met' if ratio <= 1.5 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
