"""Daily re-scoring of N customer accounts (``xinren.risk.scoring.rescore``: documents, sales'
payment-delay rate, overdue amounts, list hits, compare and store) against one hand-written
SQL aggregate computing the same payment delay rates, measured in the same run.

    .venv/bin/python bench/risk_scoring.py [--rows 100000] [--milestones 3]

PostgreSQL only, own database ``xinren_bench_risk`` (dropped at the end). Data generated in
SQL: N companies each with one account, ``--milestones`` payment milestones per account due in
the last six months (1 in 4 paid late, 1 in 10 still unpaid), 1 in 3 companies with a business
licence. Measured: the baseline aggregate (all rows fetched), the first scoring (writes N
assessments) and the steady state (the daily run when nothing changed), each against the
baseline's median. Also checked: the number of accounts above the 20 % rule is the same in
the baseline and in the stored assessments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "xinren_bench_risk"

BASELINE = """
SELECT account_id, COUNT(*) AS due,
       COUNT(*) FILTER (WHERE paid_on IS NULL OR paid_on > due_on) AS late
FROM sales_paymentmilestone
WHERE due_on >= %s AND due_on < %s
GROUP BY account_id
"""


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def literal(value) -> str:
    import json
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


def insert_select(cur, model, overrides: dict[str, str], source: str) -> None:
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
        elif f.get_internal_type() in ("DateTimeField",):
            exprs.append("now()")
        else:
            exprs.append("''")
    table = connection.ops.quote_name(model._meta.db_table)
    cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source}")


def generate(n: int, per: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from tests import factories
    from xinren.customers.models import Company, CustomerAccount, Document
    from xinren.sales.models import PaymentMilestone

    call_command("migrate", verbosity=0)
    org = factories.build_org_tree()
    owner = factories.make_user(org.a_sales, "sales_rep", username="bench_owner")
    today = dt.date.today()
    series = f"generate_series(1, {n}) AS g"
    with transaction.atomic(), connection.cursor() as cur:
        insert_select(
            cur, Company,
            {"id": "g", "name": "'风险基准客户' || g || '有限公司'", "uscc": "'91' || lpad(g::text, 16, '0')"},
            series,
        )  # fmt: skip
        insert_select(
            cur, CustomerAccount,
            {
                "id": "g", "company_id": "g", "business_unit_id": str(org.sub_a.pk),
                "owner_id": str(owner.pk), "owner_unit_id": str(org.a_sales.pk),
                "archive_no": "'RB-' || g", "account_type": "'B2B'", "status": "'customer'",
                "created_by_id": str(owner.pk),
            },
            series,
        )  # fmt: skip
        # Milestone k of account g: due (k*50 + g % 30) days ago; g*per+k decides how it was
        # paid: every 4th paid 10 days late, every 10th unpaid, the rest paid on the due date.
        due = f"(DATE '{today}' - (k * 50 + g % 30 + 1))"
        insert_select(
            cur, PaymentMilestone,
            {
                "account_id": "g", "due_on": due, "amount": "1000.00", "currency": "'CNY'",
                "paid_amount": "CASE WHEN (g * 7 + k) % 10 = 0 THEN 0 ELSE 1000.00 END",
                "paid_on": (
                    f"CASE WHEN (g * 7 + k) % 10 = 0 THEN NULL WHEN (g * 7 + k) % 4 = 0 "
                    f"THEN {due} + 10 ELSE {due} END"
                ),
                "title": "'bench'",
            },
            f"generate_series(1, {n}) AS g, generate_series(0, {per - 1}) AS k",
        )  # fmt: skip
        insert_select(
            cur, Document,
            {
                "company_id": "g", "doc_type": "'business_licence'", "file": "'x'",
                "original_name": "'x.pdf'", "content_type": "'application/pdf'", "size": "1",
                "sha256": "''", "created_at": "now()",
            },
            f"generate_series(1, {n}, 3) AS g",
        )  # fmt: skip
        for model in (Company, CustomerAccount, PaymentMilestone, Document):
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--milestones", type=int, default=3)
    args = p.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    data_dir = f"/tmp/xinren-bench-risk-{os.getpid()}"
    os.environ.setdefault("XINREN_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
    pg_admin(f"CREATE DATABASE {PG_DB}")
    try:
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from xinren.risk.models import RiskAssessment
        from xinren.risk.scoring import rescore
        from xinren.sales.figures import delay_window

        gen, _ = timed(lambda: generate(args.rows, args.milestones))
        print(f"generated {args.rows:,} accounts, {args.rows * args.milestones:,} milestones "
              f"in {gen:.1f} s")  # fmt: skip
        today = timezone.localdate()
        start, end = delay_window(today)

        def baseline():
            with connection.cursor() as cur:
                cur.execute(BASELINE, [start, end])
                return cur.fetchall()

        base_times, rows = [], None
        for _ in range(3):
            t, rows = timed(baseline)
            base_times.append(t)
        base = statistics.median(base_times)
        high_baseline = sum(1 for _, due, late in rows if late * 5 > due)  # late/due > 20 %
        first, r1 = timed(lambda: rescore(today=today))
        steady, r2 = timed(lambda: rescore(today=today))
        high_stored = RiskAssessment.objects.filter(factors__contains=[{"code": "delay_rate"}])
        high_stored = high_stored.count()
        assert r1.scored == args.rows and r2.changes == 0, (r1, r2)
        assert high_stored == high_baseline, (high_stored, high_baseline)
        lines = [
            f"risk_scoring on PostgreSQL, {args.rows:,} accounts × {args.milestones} milestones "
            f"({platform.python_version()}, {os.cpu_count()} cores)",
            f"  baseline SQL aggregate (delay rates, median of 3): {base:.2f} s",
            f"  first scoring (writes {r1.created:,} assessments): {first:.2f} s "
            f"= {first / base:.1f}× baseline",
            f"  daily re-scoring, nothing changed: {steady:.2f} s = {steady / base:.1f}× baseline",
            f"  accounts over the 20 % rule: {high_baseline:,} in the baseline, "
            f"{high_stored:,} scored (same)",
        ]
        print("\n".join(lines))
        connection.close()
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
