"""Derived payment figures of a customer account, one function per figure.

Every figure is computed *as of* a date from the milestones and the receipts received on or
before that date, so a figure for a past date is what it was then (a receipt recorded later
with an earlier date counts from its date). All money is Decimal; amounts of one currency are
summed (CNY unless asked otherwise: mixing currencies in one sum would be meaningless).

- **overdue amount** on day D: Σ over milestones due *before* D of
  ``amount − receipts received on or before D`` (a milestone due on D is not yet overdue; it
  is overdue from D + 1).
- **days sales outstanding** on day D, window 90 days::

      DSO = receivables(D) / sales(D−89 … D) × 90

  receivables(D) = Σ ``amount − receipts received on or before D`` over the milestones billed
  on or before D (a milestone is billed on its order's date; a milestone without an order on
  its due date), sales = Σ amounts of the orders dated in the 90 days ending on D (both ends
  included). No sales in the window → DSO undefined (``None``).
- **payment delay rate** on day D = late / due, over the milestones due in the six months
  before D (due date from D minus six calendar months, inclusive, to D, exclusive — a
  milestone due on D cannot be late yet). A milestone is late when it was fully paid after
  its due date or is still not fully paid: ``paid_on IS NULL OR paid_on > due_on`` (for a
  past D, ``paid_on > D`` also means "still unpaid on D", which the same test covers). No
  milestone due in the window → rate ``None``. Above 20 % (SPEC §3) is high risk.

The delay rate and the overdue amount are each defined once, as query expressions
(:func:`delay_window_q`, :data:`LATE`, :func:`delay_aggregates`, :func:`overdue_q`,
:func:`overdue_aggregate`, :func:`delay_high_risk_sql`); the per-account figures, the
set-based forms (:func:`delay_counts`, :func:`overdue_amounts`, :func:`annotate_delay_rate`)
and :func:`payment_facts` (both per account in one GROUP BY over the milestones, which risk
scoring embeds in its one statement per run) are all built from them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from .models import MONEY, Order, PaymentMilestone, Receipt
from .money import DEFAULT_CURRENCY

DSO_WINDOW_DAYS = 90
DELAY_WINDOW_MONTHS = 6
HIGH_RISK_DELAY_RATE = Decimal("0.20")
RATE_QUANTUM = Decimal("0.0001")  # a delay rate is rounded half-up to this
ZERO = Decimal("0.00")
_MONEY = DecimalField(**MONEY)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (31 August − 6 months = 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _cents(value) -> Decimal:
    """A database sum as Decimal cents (SQLite hands sums back without their scale)."""
    return Decimal(value or 0).quantize(ZERO)


def _paid_by(as_of: dt.date) -> Coalesce:
    """Receipts of the outer milestone received on or before ``as_of``."""
    received = (
        Receipt.objects.filter(milestone_id=OuterRef("pk"), received_on__lte=as_of)
        .order_by()
        .values("milestone_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(received, output_field=_MONEY), Value(ZERO, output_field=_MONEY))


def _outstanding_sum(milestones: QuerySet[PaymentMilestone], as_of: dt.date) -> Decimal:
    rows = (
        milestones.annotate(paid_by=_paid_by(as_of))
        .filter(amount__gt=F("paid_by"))
        .annotate(open=ExpressionWrapper(F("amount") - F("paid_by"), output_field=_MONEY))
        .aggregate(total=Sum("open"))
    )
    return _cents(rows["total"])


# --- overdue amount ---------------------------------------------------------------------------
def overdue_amount(account_id: int, as_of: dt.date, currency: str = DEFAULT_CURRENCY) -> Decimal:
    milestones = PaymentMilestone.objects.filter(
        account_id=account_id, currency=currency, due_on__lt=as_of
    )
    return _outstanding_sum(milestones, as_of)


def overdue_q(as_of: dt.date, currency: str = DEFAULT_CURRENCY) -> Q:
    """Milestones that can be overdue on ``as_of``: due before it, of ``currency``, not fully
    paid on or before it (``paid_on <= as_of`` owes nothing then)."""
    unpaid = Q(paid_on__isnull=True) | Q(paid_on__gt=as_of)
    return unpaid & Q(currency=currency, due_on__lt=as_of)


def overdue_aggregate(as_of: dt.date, currency: str = DEFAULT_CURRENCY) -> Sum:
    """Σ over those milestones of what is still open on ``as_of`` (amount − receipts received
    on or before it, never below zero): the overdue amount of whatever the rows are grouped
    by. The receipts subquery runs only for the rows the filter lets through."""
    open_amount = Greatest(
        ExpressionWrapper(F("amount") - _paid_by(as_of), output_field=_MONEY),
        Value(ZERO, output_field=_MONEY),
        output_field=_MONEY,
    )
    return Sum(open_amount, filter=overdue_q(as_of, currency), output_field=_MONEY)


def overdue_amounts(
    account_ids, as_of: dt.date, currency: str = DEFAULT_CURRENCY
) -> dict[int, Decimal]:
    """The overdue amount of many accounts in one GROUP BY query (same rule as
    :func:`overdue_amount`); accounts with nothing overdue are absent."""
    rows = (
        PaymentMilestone.objects.filter(overdue_q(as_of, currency), account_id__in=account_ids)
        .order_by()
        .values("account_id")
        .annotate(total=overdue_aggregate(as_of, currency))
    )
    out = {r["account_id"]: _cents(r["total"]) for r in rows}
    return {k: v for k, v in out.items() if v > 0}


# --- days sales outstanding -------------------------------------------------------------------
def receivables(account_id: int, as_of: dt.date, currency: str = DEFAULT_CURRENCY) -> Decimal:
    billed = Q(order__isnull=False, order__ordered_on__lte=as_of) | Q(
        order__isnull=True, due_on__lte=as_of
    )
    milestones = PaymentMilestone.objects.filter(account_id=account_id, currency=currency).filter(
        billed
    )
    return _outstanding_sum(milestones, as_of)


def sales(account_id: int, as_of: dt.date, currency: str = DEFAULT_CURRENCY,
          days: int = DSO_WINDOW_DAYS) -> Decimal:  # fmt: skip
    start = as_of - dt.timedelta(days=days - 1)
    total = Order.objects.filter(
        account_id=account_id, currency=currency, ordered_on__gte=start, ordered_on__lte=as_of
    ).aggregate(s=Sum("amount"))["s"]
    return _cents(total)


def days_sales_outstanding(
    account_id: int, as_of: dt.date, currency: str = DEFAULT_CURRENCY
) -> Decimal | None:
    """DSO in days, one decimal; ``None`` without sales in the window."""
    sold = sales(account_id, as_of, currency)
    if sold <= 0:
        return None
    owed = receivables(account_id, as_of, currency)
    return (owed / sold * DSO_WINDOW_DAYS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- payment delay rate -----------------------------------------------------------------------
@dataclass(frozen=True)
class DelayRate:
    due: int
    late: int

    @property
    def rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (Decimal(self.late) / Decimal(self.due)).quantize(
            RATE_QUANTUM, rounding=ROUND_HALF_UP
        )

    @property
    def high_risk(self) -> bool:
        rate = self.rate
        return rate is not None and rate > HIGH_RISK_DELAY_RATE


def delay_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end): milestones due on or after start and before end count."""
    return months_before(as_of, DELAY_WINDOW_MONTHS), as_of


def delay_window_q(as_of: dt.date, prefix: str = "") -> Q:
    start, end = delay_window(as_of)
    return Q(**{f"{prefix}due_on__gte": start, f"{prefix}due_on__lt": end})


def late_q(prefix: str = "") -> Q:
    """A milestone is late: still not fully paid, or paid after its due date."""
    return Q(**{f"{prefix}paid_on__isnull": True}) | Q(
        **{f"{prefix}paid_on__gt": F(f"{prefix}due_on")}
    )


LATE = late_q()


def delay_aggregates(as_of: dt.date) -> dict:
    """``delay_due`` and ``delay_late`` of whatever the milestone rows are grouped by."""
    window = delay_window_q(as_of)
    return {
        "delay_due": Count("pk", filter=window),
        "delay_late": Count("pk", filter=window & LATE),
    }


def delay_high_risk_sql(late: str, due: str) -> str:
    """:attr:`DelayRate.high_risk` as an SQL condition on two integer columns: the rate rounded
    half-up to :data:`RATE_QUANTUM` is above :data:`HIGH_RISK_DELAY_RATE` exactly when
    late / due ≥ threshold + quantum / 2 (over 20 %: late × 20000 ≥ due × 4001)."""
    limit = Fraction(HIGH_RISK_DELAY_RATE + RATE_QUANTUM / 2)
    return f"({due} > 0 AND {late} * {limit.denominator} >= {due} * {limit.numerator})"


def delay_counts(account_ids, as_of: dt.date) -> dict[int, DelayRate]:
    """Delay counts of many accounts in one GROUP BY query (``account_ids``: a list or a
    queryset of account ids); accounts with no milestone due in the window are absent."""
    rows = (
        PaymentMilestone.objects.filter(delay_window_q(as_of), account_id__in=account_ids)
        .order_by()
        .values("account_id")
        .annotate(**delay_aggregates(as_of))
    )
    return {r["account_id"]: DelayRate(due=r["delay_due"], late=r["delay_late"]) for r in rows}


def payment_facts(as_of: dt.date, account_ids=None, currency: str = DEFAULT_CURRENCY):
    """One GROUP BY over the milestones: per account ``delay_due``, ``delay_late`` (the delay
    rule) and ``overdue`` (the overdue rule, NULL or 0 when nothing is overdue), from the same
    definitions as :func:`delay_counts` and :func:`overdue_amounts`. A queryset (``.query``
    can be embedded in a larger statement); accounts with neither are absent."""
    milestones = PaymentMilestone.objects.filter(delay_window_q(as_of) | overdue_q(as_of, currency))
    if account_ids is not None:
        milestones = milestones.filter(account_id__in=account_ids)
    return (
        milestones.order_by()
        .values("account_id")
        .annotate(**delay_aggregates(as_of), overdue=overdue_aggregate(as_of, currency))
    )


def payment_delay_rate(account_id: int, as_of: dt.date) -> DelayRate:
    return delay_counts([account_id], as_of).get(account_id, DelayRate(due=0, late=0))


def annotate_delay_rate(accounts: QuerySet, as_of: dt.date) -> QuerySet:
    """Any account queryset with ``delay_due`` and ``delay_late`` (integers) annotated, in the
    same query (for ordering or filtering, e.g. ``delay_late__gt=F("delay_due") * 0.2``)."""
    in_window = delay_window_q(as_of, prefix="payment_milestones__")
    late = late_q(prefix="payment_milestones__")
    return accounts.annotate(
        delay_due=Count("payment_milestones", filter=in_window),
        delay_late=Count("payment_milestones", filter=in_window & late),
    )


# --- all of them ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaymentFigures:
    as_of: dt.date
    currency: str
    overdue_amount: Decimal
    receivables: Decimal
    sales_90d: Decimal
    dso_days: Decimal | None
    delay: DelayRate

    @property
    def delay_rate(self) -> Decimal | None:
        return self.delay.rate

    @property
    def high_risk(self) -> bool:
        return self.delay.high_risk


def payment_figures(
    account_id: int, as_of: dt.date, currency: str = DEFAULT_CURRENCY
) -> PaymentFigures:
    sold = sales(account_id, as_of, currency)
    owed = receivables(account_id, as_of, currency)
    dso = (
        (owed / sold * DSO_WINDOW_DAYS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if sold > 0
        else None
    )
    return PaymentFigures(
        as_of=as_of,
        currency=currency,
        overdue_amount=overdue_amount(account_id, as_of, currency),
        receivables=owed,
        sales_90d=sold,
        dso_days=dso,
        delay=payment_delay_rate(account_id, as_of),
    )


def monthly_due_and_received(
    account_id: int, as_of: dt.date, months: int = 12, currency: str = DEFAULT_CURRENCY
) -> list[dict]:
    """Per month of the last ``months`` (ending with as_of's month): amount due, amount received
    (two grouped queries), for the account page's chart. Amounts as text."""
    first = months_before(as_of.replace(day=1), months - 1)
    due = dict(
        PaymentMilestone.objects.filter(
            account_id=account_id, currency=currency, due_on__gte=first, due_on__lte=as_of
        )
        .order_by()
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(s=Sum("amount"))
        .values_list("month", "s")
    )
    got = dict(
        Receipt.objects.filter(
            account_id=account_id, currency=currency, received_on__gte=first, received_on__lte=as_of
        )
        .order_by()
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(s=Sum("amount"))
        .values_list("month", "s")
    )

    def key(m):
        return m.date() if isinstance(m, dt.datetime) else m

    due = {key(k): v for k, v in due.items()}
    got = {key(k): v for k, v in got.items()}
    out = []
    for i in range(months):
        month = months_before(as_of.replace(day=1), months - 1 - i)
        out.append(
            {
                "month": f"{month:%Y-%m}",
                "due": str(_cents(due.get(month))),
                "received": str(_cents(got.get(month))),
            }
        )
    return out
