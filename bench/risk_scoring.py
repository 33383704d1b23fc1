"""Daily re-scoring of N customer accounts (``xinren.risk.scoring.rescore``: documents, sales'
payment-delay rate and overdue amount, list hits, registry status and lawsuits, compared with
the stored assessments in SQL) against one hand-written SQL aggregate computing the same
payment delay rates, measured in the same process, on SQLite and PostgreSQL.

    .venv/bin/python bench/risk_scoring.py [--rows 1000000] [--db sqlite|postgres|both]

``RISK_BENCH_FIRST_ALERTS=0`` scores the first run without alerts (notifications are the
alerts app's work: 8 in 10 generated accounts start out at medium or high).

Own databases (``_common.own_databases("risk")``: PostgreSQL ``xinren_bench_risk``, SQLite
under ``$TMPDIR/xinren-bench-risk-*``), removed at the end. Data generated in SQL (bulk
INSERT … SELECT over a number series, not the demo): N companies each with one account, 3
payment milestones per account due in the last six months (1 in 4 paid late, 1 in 10 still
unpaid: 80 % of accounts over the 20 % rule), 1 in 3 companies with a business licence, 1 in
5 with an expired industry qualification, half of the companies known to the registry (1 in
100 of those revoked, 1 in 9 with lawsuits), 1 in 1,000 with an open watch-list hit.

Measured: the baseline aggregate (median of 3, all rows fetched), the first scoring (writes
N assessments, history, alerts), the steady state (the daily run when nothing changed,
median of 3), and one day with 1 % of the accounts changed (a new overdue milestone each),
each against the baseline's median. Checked: the number of accounts over the 20 % rule is
the same in the baseline and in the stored assessments; the steady state writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src"), str(ROOT)]

import _common  # noqa: E402

_common.own_databases("risk")
PER = 3  # milestones per account

BASELINE = """
SELECT account_id, COUNT(*) AS due,
       COUNT(*) FILTER (WHERE paid_on IS NULL OR paid_on > due_on) AS late
FROM sales_paymentmilestone
WHERE due_on >= %s AND due_on < %s
GROUP BY account_id
"""


def series(n: int, step: int = 1) -> str:
    """A FROM item: column g = 1, 1 + step, … ≤ n."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series(1, {n}, {step}) AS s(g)"
    return (
        f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + {step} FROM s "
        f"WHERE g + {step} <= {n}) SELECT g FROM s) AS s"
    )


def days_before(today: dt.date, days_sql: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(DATE '{today}' - ({days_sql}))"
    return f"date('{today}', '-' || ({days_sql}) || ' days')"


def padded(sql: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"lpad(({sql})::text, 16, '0')"
    return f"printf('%016d', {sql})"


def literal(value) -> str:
    from enum import Enum

    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return "'" + json.dumps(value).replace("'", "''") + "'"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(cur, model, overrides: dict[str, str], source: str, now: str) -> None:
    """INSERT INTO model's table SELECT one row per ``source`` row (column g), every column
    from ``overrides`` (SQL expressions) or else NULL / its default / ''."""
    from django.db import connection

    cols, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in overrides:
            continue  # the sequence numbers it
        cols.append(connection.ops.quote_name(f.column))
        if f.column in overrides:
            exprs.append(overrides[f.column])
        elif f.null:
            exprs.append("NULL")
        elif f.has_default():
            exprs.append(literal(f.get_default()))
        elif f.get_internal_type() == "DateTimeField":
            exprs.append(now)
        else:
            exprs.append("''")
    table = connection.ops.quote_name(model._meta.db_table)
    cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source}")


def generate(n: int, today: dt.date) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from tests import factories
    from xinren.customers.models import Company, CustomerAccount, Document
    from xinren.kyc.models import ListEntry, ListHit, RegistryRecord, RegistrySnapshot, WatchList
    from xinren.sales.models import PaymentMilestone

    _common.migrate()
    org = factories.build_org_tree()
    owner = factories.make_user(org.a_sales, "sales_rep", username="bench_owner")
    now = literal(timezone.now().isoformat())
    snapshot = RegistrySnapshot.objects.create(
        source="bench", as_of=today - dt.timedelta(days=7), imported_at=timezone.now()
    )
    watch = WatchList.objects.create(name="失信被执行人名单", kind="dishonest")
    uscc = f"'91' || {padded('g')}"
    with transaction.atomic(), connection.cursor() as cur:
        insert_select(
            cur, Company,
            {"id": "g", "name": "'风险基准客户' || g || '有限公司'", "uscc": uscc},
            series(n), now,
        )  # fmt: skip
        insert_select(
            cur, CustomerAccount,
            {
                "id": "g", "company_id": "g", "business_unit_id": str(org.sub_a.pk),
                "owner_id": str(owner.pk), "owner_unit_id": str(org.a_sales.pk),
                "archive_no": "'RB-' || g", "account_type": "'B2B'", "status": "'customer'",
                "created_by_id": str(owner.pk),
            },
            series(n), now,
        )  # fmt: skip
        # Milestone k of account g: due (k*50 + g % 30 + 1) days ago; (g*7 + k) decides how it
        # was paid: every 10th unpaid, every 4th paid 10 days late, the rest on the due date.
        for k in range(PER):
            due_days = f"{k * 50} + g % 30 + 1"
            due = days_before(today, due_days)
            late = days_before(today, f"{due_days} - 10")
            insert_select(
                cur, PaymentMilestone,
                {
                    "account_id": "g", "due_on": due, "amount": "1000.00", "currency": "'CNY'",
                    "paid_amount": f"CASE WHEN (g * 7 + {k}) % 10 = 0 THEN 0 ELSE 1000.00 END",
                    "paid_on": (
                        f"CASE WHEN (g * 7 + {k}) % 10 = 0 THEN NULL "
                        f"WHEN (g * 7 + {k}) % 4 = 0 THEN {late} ELSE {due} END"
                    ),
                },
                series(n), now,
            )  # fmt: skip
        doc = {
            "company_id": "g", "file": "'x'", "original_name": "'x.pdf'",
            "content_type": "'application/pdf'", "size": "1", "sha256": "''",
        }  # fmt: skip
        insert_select(cur, Document, {**doc, "doc_type": "'business_licence'"}, series(n, 3), now)
        insert_select(
            cur, Document,
            {**doc, "doc_type": "'industry_qualification'",
             "expires_on": days_before(today, "10 + g % 100")},
            series(n, 5), now,
        )  # fmt: skip
        insert_select(
            cur, RegistryRecord,
            {
                "uscc": uscc, "name": "'风险基准客户' || g || '有限公司'", "name_key": "'k' || g",
                "status": "CASE WHEN g % 100 = 0 THEN 'revoked' ELSE 'active' END",
                "lawsuit_count": "CASE WHEN g % 9 = 0 THEN g % 5 ELSE 0 END",
                "snapshot_id": str(snapshot.pk), "updated_at": now,
            },
            series(n, 2), now,
        )  # fmt: skip
        insert_select(
            cur, ListEntry,
            {"watch_list_id": str(watch.pk), "uscc": uscc, "name": "'x' || g", "name_key": "'k'"},
            series(n, 1000), now,
        )  # fmt: skip
        cur.execute(
            f"INSERT INTO {ListHit._meta.db_table} (company_id, entry_id, matched_by, first_seen,"
            f" last_seen, status, note) SELECT c.id, e.id, 'uscc', {now}, {now}, 'new', ''"
            f" FROM {ListEntry._meta.db_table} e JOIN {Company._meta.db_table} c"
            " ON c.uscc = e.uscc"
        )
        if connection.vendor == "postgresql":
            for model in (Company, CustomerAccount):
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    _common.analyze()


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def child(engine: str, n: int) -> dict:
    _common.setup_django()
    from django.db import connection
    from django.utils import timezone

    from xinren.risk.models import RiskAssessment, RiskChange
    from xinren.risk.scoring import rescore
    from xinren.sales.figures import delay_window
    from xinren.sales.models import PaymentMilestone

    today = timezone.localdate()
    gen, _ = timed(lambda: generate(n, today))
    _common.log(f"generated {n:,} accounts, {n * PER:,} milestones in {gen:.1f} s")
    start, end = delay_window(today)
    params = [connection.ops.adapt_datefield_value(d) for d in (start, end)]

    def baseline():
        with connection.cursor() as cur:
            cur.execute(BASELINE, params)
            return cur.fetchall()

    base_times, rows = [], None
    for _ in range(3):
        t, rows = timed(baseline)
        base_times.append(t)
    base = statistics.median(base_times)
    high_baseline = sum(1 for _, due, late in rows if late * 5 > due)  # late/due > 20 %
    _common.log(f"baseline {base:.2f} s ({', '.join(f'{t:.2f}' for t in base_times)})")
    alerts = os.environ.get("RISK_BENCH_FIRST_ALERTS", "1") == "1"
    first, r1 = timed(lambda: rescore(today=today, alert=alerts))
    _common.log(f"first scoring {first:.1f} s: {r1.as_dict()}")
    _common.analyze()
    steady_times = []
    for _ in range(3):
        t, r2 = timed(lambda: rescore(today=today))
        assert r2.created == r2.updated == r2.changes == 0, r2
        steady_times.append(t)
    steady = statistics.median(steady_times)
    _common.log(f"steady state {steady:.2f} s ({', '.join(f'{t:.2f}' for t in steady_times)})")
    high_stored = RiskAssessment.objects.filter(facts_delay_due__gt=0).count()
    assert high_stored == high_baseline, (high_stored, high_baseline)
    # One day with 1 % changed: a new unpaid milestone due yesterday on every 100th account.
    changed_ids = list(range(50, n + 1, 100))
    PaymentMilestone.objects.bulk_create(
        [
            PaymentMilestone(
                account_id=i, due_on=today - dt.timedelta(days=1), amount=500, currency="CNY"
            )
            for i in changed_ids
        ],
        batch_size=5000,
    )
    histories = RiskChange.objects.count()
    day, r3 = timed(lambda: rescore(today=today))
    assert r3.updated == len(changed_ids), (r3, len(changed_ids))
    _common.log(f"1 % changed {day:.2f} s: {r3.as_dict()}")
    # The stored factors say the same as the facts (sample of 2,000).
    for a in RiskAssessment.objects.order_by("account_id")[:2000]:
        codes = [f["code"] for f in a.factors]
        assert ("delay_rate" in codes) == (a.facts_delay_due > 0), a.account_id
        assert a.score == min(100, sum(f["points"] for f in a.factors)), a.account_id
    return {
        "engine": engine,
        "rows": n,
        "generated_s": round(gen, 1),
        "baseline_s": round(base, 3),
        "baseline_runs": [round(t, 3) for t in base_times],
        "first_s": round(first, 2),
        "first_x": round(first / base, 1),
        "first": r1.as_dict(),
        "first_alerts": alerts,
        "steady_s": round(steady, 3),
        "steady_runs": [round(t, 3) for t in steady_times],
        "steady_x": round(steady / base, 2),
        "changed_1pct_s": round(day, 3),
        "changed_1pct_x": round(day / base, 2),
        "changed_1pct": r3.as_dict(),
        "history_rows_before_1pct": histories,
        "high_baseline": high_baseline,
        "high_stored": high_stored,
        "load": os.getloadavg(),
    }


def main() -> None:
    args = _common.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.child, args.rows)))
        return
    print(f"risk_scoring, {args.rows:,} accounts × {PER} milestones; {_common.machine()}")
    print(f"load average at start: {os.getloadavg()}")
    try:
        results = _common.run_children(args, __file__)
    finally:
        if args.db in ("postgres", "both") and not args.reuse:
            _common.pg_admin(f"DROP DATABASE IF EXISTS {_common.PG_DB} WITH (FORCE)")
    for r in results:
        print(
            f"{r['engine']}: baseline {r['baseline_s']:.2f} s; first scoring {r['first_s']:.1f} s"
            f" = {r['first_x']}×; steady state {r['steady_s']:.2f} s = {r['steady_x']}×;"
            f" 1 % changed {r['changed_1pct_s']:.2f} s = {r['changed_1pct_x']}×; over 20 %:"
            f" {r['high_baseline']:,} baseline, {r['high_stored']:,} scored"
        )
        print(json.dumps(r))


if __name__ == "__main__":
    main()
