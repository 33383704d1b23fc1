"""Merge and undo of a company with N linked records (interactions, orders, timeline events),
against deleting a company with the same records (the same rows touched), on SQLite and
PostgreSQL, side by side in one run; and the number of queries at N and at N / 100, which
shows the merge works in sets (its query count depends on the models, not on the rows).

    .venv/bin/python bench/merge.py [--rows 2000] [--db sqlite|postgres|both]

Own databases: PostgreSQL ``xinren_bench_merge`` (dropped and re-created), SQLite under a
temporary ``xinren-bench-merge-*`` folder (removed afterwards).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _common as C  # noqa: E402

C.PG_DB = "xinren_bench_merge"  # not the other benches' database
C.sqlite_dir = lambda rows, persistent: Path(tempfile.mkdtemp(prefix="xinren-bench-merge-"))


def linked(head, name: str, rows: int):
    """A company with ``rows`` interactions, orders and timeline events on its account."""
    from django.utils import timezone

    from tests import factories
    from xinren.activities.models import Interaction
    from xinren.sales.models import Order
    from xinren.timeline.models import TimelineEvent

    account = factories.make_customer(head, name=name)
    now = timezone.now()
    Interaction.objects.bulk_create(
        Interaction(
            account=account,
            company_id=account.company_id,
            kind="call",
            occurred_at=now - dt.timedelta(hours=i),
            logged_at=now,
            subject=f"电话{i}",
        )
        for i in range(rows)
    )
    Order.objects.bulk_create(
        Order(account=account, number=f"{name[:2]}-{i}", ordered_on=now.date(), amount=Decimal(1))
        for i in range(rows)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            company_id=account.company_id,
            account_id=account.pk,
            kind="interaction",
            occurred_at=now,
            source="activities.interaction",
            source_id=i,
            title=f"电话{i}",
        )
        for i in range(rows)
    )
    return account.company


def measure(org, rows: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from xinren.customers.services import delete_company
    from xinren.quality.merging import merge_companies, unmerge

    steward = factories.make_user(org.hq, "group_admin", username=f"steward{rows}")
    tag = f"{rows:06d}"
    survivor = linked(steward, f"甲{tag}有限公司", rows)
    other = linked(steward, f"乙{tag}有限公司", rows)
    doomed = linked(steward, f"丙{tag}有限公司", rows)
    C.analyze()
    out = {}
    with CaptureQueriesContext(connection) as q:
        began = time.perf_counter()
        delete_company(actor=steward, company=doomed)
        out["delete_s"] = time.perf_counter() - began
    out["delete_queries"] = len(q)
    with CaptureQueriesContext(connection) as q:
        began = time.perf_counter()
        record = merge_companies(actor=steward, survivor=survivor, other=other)
        out["merge_s"] = time.perf_counter() - began
    out["merge_queries"] = len(q)
    with CaptureQueriesContext(connection) as q:
        began = time.perf_counter()
        unmerge(actor=steward, record=record)
        out["undo_s"] = time.perf_counter() - began
    out["undo_queries"] = len(q)
    return out


def child(engine: str, rows: int) -> None:
    C.setup_django()
    C.migrate()
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()
    from tests import factories

    org = factories.build_org_tree()
    small = measure(org, max(1, rows // 100))
    big = measure(org, rows)
    C.log(
        f"{rows:,} linked rows of each kind: merge {big['merge_s'] * 1000:.0f} ms, "
        f"undo {big['undo_s'] * 1000:.0f} ms, delete (baseline) {big['delete_s'] * 1000:.0f} ms"
        f" → merge {big['merge_s'] / big['delete_s']:.2f}×, undo "
        f"{big['undo_s'] / big['delete_s']:.2f}× the delete"
    )
    C.log(
        f"queries at {max(1, rows // 100):,} / {rows:,} rows: merge "
        f"{small['merge_queries']} / {big['merge_queries']}, undo {small['undo_queries']} / "
        f"{big['undo_queries']}, delete {small['delete_queries']} / {big['delete_queries']}"
    )
    print(json.dumps({"engine": engine, "rows": rows, "small": small, "big": big}))


def main() -> None:
    args = C.arguments("merge and undo vs delete", default_rows=2000)
    if args.child:
        child(args.child, args.rows)
        return
    results = C.run_children(args, __file__)
    if C.PG_DB and args.db in ("postgres", "both"):
        C.pg_admin(f"DROP DATABASE IF EXISTS {C.PG_DB} WITH (FORCE)")
    for r in results:
        b = r["big"]
        print(
            f"| {r['engine']} | {r['rows']:,} | {b['merge_s'] * 1000:.0f} ms | "
            f"{b['undo_s'] * 1000:.0f} ms | {b['delete_s'] * 1000:.0f} ms | "
            f"{b['merge_s'] / b['delete_s']:.2f}× | {b['undo_s'] / b['delete_s']:.2f}× | "
            f"{r['small']['merge_queries']} / {b['merge_queries']} |"
        )


if __name__ == "__main__":
    main()
