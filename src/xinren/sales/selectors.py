"""Scoped reads of contracts, orders, milestones and receipts. Every query reaches customers
through :func:`xinren.customers.selectors.visible_accounts` / ``account_for``: a record of an
account outside the user's scope does not exist for them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

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
