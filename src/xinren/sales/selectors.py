"""Scoped reads of contracts, orders, milestones and receipts. Every query reaches customers
through :func:`xinren.customers.selectors.visible_accounts` / ``account_for``: a record of an
account outside the user's scope does not exist for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import account_for, visible_accounts
from xinren.orgs.models import User

from .models import Contract, ContractStatus, Order, PaymentMilestone, Receipt


def _in_scope(model, user: User) -> QuerySet:
    return model.objects.filter(account_id__in=visible_accounts(user).values("pk"))


def visible_contracts(user: User) -> QuerySet[Contract]:
    return _in_scope(Contract, user)


def visible_orders(user: User) -> QuerySet[Order]:
    return _in_scope(Order, user)


def visible_milestones(user: User) -> QuerySet[PaymentMilestone]:
    return _in_scope(PaymentMilestone, user)


def visible_receipts(user: User) -> QuerySet[Receipt]:
    return _in_scope(Receipt, user)


def contract_for(user: User, contract_id: int) -> Contract:
    """One contract the user may see, or ``Contract.DoesNotExist``."""
    return (
        visible_contracts(user)
        .select_related("account", "account__company")
        .prefetch_related("documents")
        .get(pk=contract_id)
    )


def order_for(user: User, order_id: int) -> Order:
    return (
        visible_orders(user)
        .select_related("account", "account__company", "contract")
        .prefetch_related("lines")
        .get(pk=order_id)
    )


def milestone_for(user: User, milestone_id: int) -> PaymentMilestone:
    return visible_milestones(user).select_related("account").get(pk=milestone_id)


def receipt_for(user: User, receipt_id: int) -> Receipt:
    return visible_receipts(user).select_related("account", "milestone").get(pk=receipt_id)


def account_contracts(user: User, account_id: int) -> QuerySet[Contract]:
    account = account_for(user, account_id)
    return Contract.objects.filter(account=account).prefetch_related("documents")


def account_orders(user: User, account_id: int) -> QuerySet[Order]:
    account = account_for(user, account_id)
    return (
        Order.objects.filter(account=account)
        .select_related("contract")
        .annotate(line_count=Count("lines"))
    )


def account_milestones(user: User, account_id: int) -> QuerySet[PaymentMilestone]:
    account = account_for(user, account_id)
    return PaymentMilestone.objects.filter(account=account).select_related("order", "contract")


def account_receipts(user: User, account_id: int) -> QuerySet[Receipt]:
    account = account_for(user, account_id)
    return Receipt.objects.filter(account=account).select_related("milestone")


def contracts_up_for_renewal(
    user: User, on_or_before: dt.date, since: dt.date | None = None
) -> QuerySet[Contract]:
    """Active contracts in scope whose renewal date falls on or before a date (and on or
    after ``since`` when given), soonest first."""
    contracts = visible_contracts(user).filter(
        status=ContractStatus.ACTIVE, renewal_on__lte=on_or_before
    )
    if since is not None:
        contracts = contracts.filter(renewal_on__gte=since)
    return contracts.select_related("account", "account__company").order_by("renewal_on", "pk")


def milestone_status(m: PaymentMilestone, today: dt.date) -> str:
    """paid / partly_paid / overdue / due — as shown on the pages and in the API."""
    if m.paid_on is not None or m.paid_amount >= m.amount:
        return "paid"
    if m.due_on < today:
        return "overdue"
    if m.paid_amount > 0:
        return "partly_paid"
    return "due"


def account_of(user: User, account_id: int) -> CustomerAccount:
    return account_for(user, account_id)


# --- keyset pages of an account's lists (pages) -----------------------------------------------
@dataclass
class DatePage:
    """Rows newest first on ``(date, id)``; ``next_cursor`` opens the older rows (or None)."""

    items: list = field(default_factory=list)
    next_cursor: str | None = None


def _cursor(day: dt.date, pk: int) -> str:
    return f"{day.isoformat()}.{pk}"


def parse_date_cursor(raw: str | None) -> tuple[dt.date, int] | None:
    """``(date, id)`` of a cursor such as ``2026-03-01.42``; None for none or a garbled one
    (the page then simply starts at the newest rows)."""
    if not raw:
        return None
    try:
        day, pk = raw.split(".", 1)
        parsed = (dt.date.fromisoformat(day), int(pk))
    except ValueError:
        return None
    return parsed if 0 < parsed[1] < 2**63 and _cursor(*parsed) == raw else None


def date_page(queryset: QuerySet, date_field: str, cursor: str | None, size: int) -> DatePage:
    """One keyset page newest first on ``(date_field, id)`` — one query however deep (the
    redundant ``date <= d`` bound lets the ``(account, date)`` index start at the cursor)."""
    after = parse_date_cursor(cursor)
    if after is not None:
        day, pk = after
        queryset = queryset.filter(**{f"{date_field}__lte": day}).filter(
            Q(**{f"{date_field}__lt": day}) | Q(pk__lt=pk)
        )
    rows = list(queryset.order_by(f"-{date_field}", "-pk")[: size + 1])
    items = rows[:size]
    more = len(rows) > size
    return DatePage(
        items=items,
        next_cursor=_cursor(getattr(items[-1], date_field), items[-1].pk) if more else None,
    )
