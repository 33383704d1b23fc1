"""First page of a customer account's timeline for an account with 10,000 events, through the
activities selector (``xinren.activities.selectors.account_timeline``) as the account's owner
sees it, against the same page read with one raw SQL query, on SQLite and PostgreSQL, in one
run; plus the number of queries for histories of 10, 1,000 and 10,000 events (must not grow).

    .venv/bin/python bench/timeline.py [--rows 2000] [--db sqlite|postgres|both]

How: ``xinren demo --companies N`` (customers with three years of history: ≈ 50 events per
account in the table around it); then three more accounts get 10, 1,000 and 10,000 events
generated directly (a realistic mix of kinds over three years). Target: p95 ≤ 100 ms and the
same query count for every history length.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.PG_DB = "xinren_bench3"
REPEAT = 200
PAGE = 20
SIZES = (10, 1_000, 10_000)
KINDS = [
    ("interaction", "activities.interaction", 55),
    ("order", "sales.order", 15),
    ("payment", "sales.paymentmilestone", 12),
    ("payment", "sales.receipt", 12),
    ("contract", "sales.contract", 2),
    ("change", "audit.changelog", 4),
]


def _fill_events(account, count: int, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinren.demo.bulk import Table
    from xinren.timeline.models import TimelineEvent

    table = Table(
        TimelineEvent,
        [
            "company_id",
            "account_id",
            "kind",
            "occurred_at",
            "source",
            "source_id",
            "title",
            "detail",
            "actor_id",
        ],
    )
    now = timezone.now()
    rows = []
    for i in range(count):
        kind, source, _w = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
        at = now - dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        rows.append(
            (
                account.company_id,
                account.pk,
                kind,
                connection.ops.adapt_datetimefield_value(at),
                source,
                10_000_000 + i,
                f"{kind} 事件 {i}",
                connection.ops.adapt_json_value({"n": i, "amount": "1234.50"}, None),
                account.owner_id,
            )
        )
    with transaction.atomic():
        for lo in range(0, len(rows), 5000):
            table.insert(rows[lo : lo + 5000])


def _selector():
    """(callable page(user, account), description): the activities selector when it exists,
    else the equivalent ORM query on TimelineEvent."""
    try:
        from xinren.activities import selectors
    except ImportError:
        selectors = None
    fn = getattr(selectors, "account_timeline", None) if selectors else None
    if fn is None:
        from xinren.timeline.models import TimelineEvent

        def orm(user, account):
            return list(
                TimelineEvent.objects.filter(account_id=account.pk).order_by("-occurred_at", "-id")[
                    :PAGE
                ]
            )

        return orm, "ORM on TimelineEvent (activities.selectors.account_timeline missing)"
    params = inspect.signature(fn).parameters
    kwargs = {}
    for name in ("limit", "page_size", "size"):
        if name in params:
            kwargs[name] = PAGE

    def page(user, account):
        if "actor" in params:
            result = fn(actor=user, account=account, **kwargs)
        elif "user" in params:
            result = fn(user=user, account=account, **kwargs)
        else:
            result = fn(user, account, **kwargs)
        items = getattr(result, "items", None)
        if items is None and isinstance(result, tuple):
            items = result[0]
        if items is None:
            items = result
        items = list(items)[:PAGE] if not isinstance(items, list) else items
        for event in items:  # touch what a page renders
            getattr(event, "title", None)
        return items

    return page, f"activities.selectors.account_timeline{inspect.signature(fn)}"


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinren.customers.models import CustomerAccount
    from xinren.orgs.models import User

    C.migrate()
    have = CustomerAccount.objects.count()
    if not (reuse and have):
        call_command("demo", companies=rows, stdout=io.StringIO(), no_migrate=True)
    from xinren.timeline.models import TimelineEvent

    C.log(f"timeline table: {TimelineEvent.objects.count():,} events")
    # Three accounts of the same owner, taken from a fresh demo run with its own accounts.
    owner = User.objects.get(username="east.s1.rep")
    accounts = list(CustomerAccount.objects.filter(owner=owner).order_by("pk")[:3])
    rng = random.Random(2026)
    for account, size in zip(accounts, SIZES, strict=True):
        current = TimelineEvent.objects.filter(account_id=account.pk).count()
        if current < size:
            TimelineEvent.objects.filter(account_id=account.pk).delete()
            _fill_events(account, size, rng)
        else:
            keep = list(
                TimelineEvent.objects.filter(account_id=account.pk)
                .order_by("-occurred_at", "-id")
                .values_list("id", flat=True)[:size]
            )
            TimelineEvent.objects.filter(account_id=account.pk).exclude(id__in=keep).delete()
    C.analyze()
    page, how = _selector()
    C.log(f"measuring {how}")
    user = User.objects.select_related("role", "org_unit").get(pk=owner.pk)
    queries = {}
    for account, size in zip(accounts, SIZES, strict=True):
        assert TimelineEvent.objects.filter(account_id=account.pk).count() == size
        page(user, account)  # warm
        with CaptureQueriesContext(connection) as ctx:
            got = page(user, account)
        queries[size] = len(ctx.captured_queries)
        C.log(f"{size:>6,} events: first page {len(got)} rows, {queries[size]} queries")
    big = accounts[-1]
    qn = connection.ops.quote_name
    raw_sql = (
        "SELECT id, kind, occurred_at, source, source_id, title, detail, actor_id "
        f"FROM {qn(TimelineEvent._meta.db_table)} WHERE account_id = %s "
        f"ORDER BY occurred_at DESC, id DESC LIMIT {PAGE}"
    )

    def raw():
        with connection.cursor() as cur:
            cur.execute(raw_sql, [big.pk])
            return cur.fetchall()

    expected = [r[0] for r in raw()]
    got = [getattr(e, "pk", None) or getattr(e, "id", None) for e in page(user, big)]
    same = got == expected
    if not same:
        C.log(f"note: selector page ids differ from the raw page ({got[:3]} vs {expected[:3]})")
    sel_t = C.timed(lambda: page(user, big), REPEAT)
    raw_t = C.timed(raw, REPEAT)
    result = {
        "engine": C.vendor(),
        "how": how,
        "events_in_table": TimelineEvent.objects.count(),
        "queries": queries,
        "selector": {"p50": C.median(sel_t), "p95": C.pct(sel_t, 95)},
        "raw": {"p50": C.median(raw_t), "p95": C.pct(raw_t, 95)},
        "same_page": same,
    }
    result["ratio_p50"] = result["selector"]["p50"] / result["raw"]["p50"]
    C.log(
        f"selector p50 {result['selector']['p50']:.2f} ms p95 {result['selector']['p95']:.2f} ms; "
        f"raw SQL p50 {result['raw']['p50']:.2f} ms p95 {result['raw']['p95']:.2f} ms; "
        f"ratio (p50) {result['ratio_p50']:.2f}x"
    )
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 2000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(f"timeline benchmark, demo {args.rows:,} companies + 10/1,000/10,000 — {C.machine()}")
    for r in C.run_children(args, __file__):
        constant = len(set(r["queries"].values())) == 1
        print(
            f"{r['engine']:10} first page p50 {r['selector']['p50']:.2f} ms, "
            f"p95 {r['selector']['p95']:.2f} ms (target ≤ 100: "
            f"{'met' if r['selector']['p95'] <= 100 else 'MISSED'}); raw SQL p50 "
            f"{r['raw']['p50']:.2f} ms → {r['ratio_p50']:.1f}x; queries {r['queries']} "
            f"({'constant' if constant else 'NOT constant'}); {r['how']}"
        )


if __name__ == "__main__":
    main()
