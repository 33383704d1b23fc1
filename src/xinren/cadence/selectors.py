"""Scoped reads of tiers and visit due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import account_for, visible_accounts
from xinren.orgs.models import User

from .models import DEFAULT_VISIT_DAYS, AccountTier, CadencePolicy, Tier, TierChange
from .services import tier_record, visit_interval_days


@dataclass(frozen=True)
class VisitStatus:
    tier: str
    interval_days: int
    last_visit_at: object
    next_visit_due: date | None
    overdue: bool
    due_in_days: int | None


def visit_status(user: User, account_id: int) -> VisitStatus:
    """Tier and visit due date of one account the user may see (DoesNotExist otherwise)."""
    account = account_for(user, account_id)
    record = tier_record(account)
    today = timezone.localdate()
    due = record.next_visit_due
    return VisitStatus(
        tier=record.tier,
        interval_days=visit_interval_days(account.business_unit_id, record.tier),
        last_visit_at=record.last_visit_at,
        next_visit_due=due,
        overdue=bool(due and due < today),
        due_in_days=(due - today).days if due else None,
    )


def tier_history(user: User, account_id: int) -> QuerySet[TierChange]:
    account = account_for(user, account_id)
    return TierChange.objects.filter(account=account).select_related("changed_by")


def accounts_due_for_visit(user: User, on_or_before: date) -> QuerySet[CustomerAccount]:
    """Accounts in the user's scope whose next visit is due on or before a date."""
    return visible_accounts(user).filter(tier_record__next_visit_due__lte=on_or_before)


def visit_policies(business_unit_id: int) -> dict[str, int]:
    """Interval per tier for a subsidiary, defaults filled in."""
    configured = dict(
        CadencePolicy.objects.filter(business_unit_id=business_unit_id).values_list(
            "tier", "visit_every_days"
        )
    )
    return {t: configured.get(t, DEFAULT_VISIT_DAYS[Tier(t)]) for t in Tier.values}


def tiers_of(account_ids: list[int]) -> dict[int, AccountTier]:
    return {r.account_id: r for r in AccountTier.objects.filter(account_id__in=account_ids)}
