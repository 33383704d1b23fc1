"""The reminder scan's selection of due payment items
(``xinren.notifications.reminders.due_payment_items(today)``) over 1,000,000 payment milestones
of 100,000 customer accounts, against one hand-written SQL query that selects the same items,
on SQLite and PostgreSQL, in one run; both must return the same milestones.

    .venv/bin/python bench/reminders.py [--rows 100000] [--db sqlite|postgres|both] [--reuse]

``--rows`` is the number of accounts (customers from ``xinren demo --no-history``, ≈ 1.39
accounts per company); each gets 10 milestones (``MILESTONES_PER_ACCOUNT``) bulk-generated
over three years up to four months ahead: most paid on time, ≈ 3 % of the past ones still
open (overdue, some partly paid), the future ones open. Target: scan / SQL ≤ 2.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C.PG_DB = "xinren_bench3"
ACCOUNTS_PER_COMPANY = 1.39
MILESTONES_PER_ACCOUNT = 10
REPEAT = 7
DEFAULT_LEAD_DAYS = 3  # ReminderSettings.payment_days_before default


def _fill(rows: int, reuse: bool) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from xinren.customers.models import CustomerAccount
    from xinren.demo.bulk import Table
    from xinren.sales.models import PaymentMilestone

    C.migrate()
    if reuse and PaymentMilestone.objects.exists():
        C.log(f"reusing {PaymentMilestone.objects.count():,} milestones")
        return
    companies = math.ceil(rows / ACCOUNTS_PER_COMPANY)
    call_command(
        "demo", companies=companies, stdout=io.StringIO(), no_migrate=True, no_history=True
    )
    accounts = list(CustomerAccount.objects.order_by("pk").values_list("pk", flat=True))
    C.log(f"{companies:,} companies, {len(accounts):,} accounts")
    table = Table(
        PaymentMilestone,
        ["account_id", "description", "due_on", "amount", "paid_amount", "paid_on"],
    )
    today = timezone.localdate()
    first = today - dt.timedelta(days=3 * 365)
    span = 3 * 365 + 120
    rng = random.Random(2026)
    sqlite = connection.vendor == "sqlite"

    def d(day):
        return None if day is None else (day.isoformat() if sqlite else day)

    batch, written = [], 0
    with transaction.atomic():
        for account in accounts:
            for _ in range(MILESTONES_PER_ACCOUNT):
                due = first + dt.timedelta(days=rng.randrange(span))
                cents = rng.randrange(50_000, 50_000_000)
                amount = f"{cents // 100}.{cents % 100:02d}"
                paid, paid_on = amount, due - dt.timedelta(days=rng.randrange(-15, 10))
                if due >= today or rng.random() < 0.03 or paid_on > today:
                    paid_on = None
                    part = cents * rng.randrange(20, 80) // 100 if rng.random() < 0.2 else 0
                    paid = f"{part // 100}.{part % 100:02d}"
                batch.append((account, "货款", d(due), amount, paid, d(paid_on)))
            if len(batch) >= 20_000:
                table.insert(batch)
                written += len(batch)
                batch = []
        table.insert(batch)
        written += len(batch)
    C.log(f"{written:,} payment milestones")
    C.analyze()


def _scan():
    from xinren.notifications import reminders

    fn = getattr(reminders, "due_payment_items", None)
    if fn is None:
        raise SystemExit(
            "xinren.notifications.reminders.due_payment_items is missing; names there: "
            + ", ".join(n for n in dir(reminders) if not n.startswith("_"))
        )
    return fn


def _ids(items) -> list[int]:
    out = []
    for item in items:
        if isinstance(item, int):
            out.append(item)
        elif isinstance(item, dict):
            out.append(item.get("milestone_id") or item.get("id") or item.get("pk"))
        elif isinstance(item, tuple):
            out.append(item[0])
        else:
            out.append(getattr(item, "milestone_id", None) or item.pk)
    return out


def _sql(vendor: str) -> str:
    """Open milestones due within the subsidiary's lead time (default 3 days) or overdue
    since at most ``REMINDER_OVERDUE_DAYS`` (first parameter: that oldest due date)."""
    if vendor == "sqlite":
        horizon = "date(%s, '+' || COALESCE(r.payment_days_before, 3) || ' days')"
    else:
        horizon = "%s::date + COALESCE(r.payment_days_before, 3)"
    return (
        "SELECT m.id FROM sales_paymentmilestone m "
        "JOIN customers_customeraccount a ON a.id = m.account_id "
        "LEFT JOIN notifications_remindersettings r ON r.business_unit_id = a.business_unit_id "
        f"WHERE m.paid_on IS NULL AND m.due_on >= %s AND m.due_on <= {horizon}"
    )


def child(rows: int, reuse: bool) -> dict:
    C.setup_django()
    from django.db import connection
    from django.utils import timezone

    _fill(rows, reuse)
    scan = _scan()
    today = timezone.localdate()
    sql = _sql(connection.vendor)

    from xinren.notifications.reminders import overdue_since

    since = overdue_since(today)

    def hand():
        with connection.cursor() as cur:
            day = today.isoformat() if connection.vendor == "sqlite" else today
            oldest = since.isoformat() if connection.vendor == "sqlite" else since
            cur.execute(sql, [oldest, day])
            return [r[0] for r in cur.fetchall()]

    def scanned():
        return _ids(list(scan(today)))

    a, b = scanned(), hand()  # warm, and compare
    same = sorted(a) == sorted(b)
    C.log(f"due items: scan {len(a):,}, SQL {len(b):,}, same rows: {same}")
    if not same:
        only_scan, only_sql = set(a) - set(b), set(b) - set(a)
        C.log(f"  only in scan: {len(only_scan):,}, only in SQL: {len(only_sql):,}")
    scan_t, sql_t = [], []
    for _ in range(REPEAT):  # interleaved, so load from other processes hits both alike
        scan_t += C.timed(scanned, 1)
        sql_t += C.timed(hand, 1)
    result = {
        "engine": C.vendor(),
        "accounts": rows,
        "items": len(b),
        "same": same,
        "scan_ms": C.median(scan_t),
        "sql_ms": C.median(sql_t),
    }
    result["ratio"] = result["scan_ms"] / result["sql_ms"]
    C.log(
        f"scan p50 {result['scan_ms']:.1f} ms, hand-written SQL p50 {result['sql_ms']:.1f} ms, "
        f"ratio {result['ratio']:.2f}x"
    )
    return result


def main() -> None:
    args = C.arguments(__doc__.splitlines()[0], 100_000)
    if args.child:
        print(json.dumps(child(args.rows, args.reuse)))
        return
    print(
        f"reminder scan benchmark, {args.rows:,} accounts × {MILESTONES_PER_ACCOUNT} milestones "
        f"— {C.machine()}"
    )
    for r in C.run_children(args, __file__):
        print(
            f"{r['engine']:10} {r['items']:,} due items (same rows: {r['same']}): scan "
            f"{r['scan_ms']:.1f} ms, SQL {r['sql_ms']:.1f} ms, ratio {r['ratio']:.2f}x  "
            f"target {'met' if r['ratio'] <= 2 and r['same'] else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
