"""Due things for the reminder tests, written straight to the tables (the sales and
activities services belong to other packages; the scan only reads these rows)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from xinren.activities.models import Interaction
from xinren.cadence.models import AccountTier
from xinren.sales.models import Contract, PaymentMilestone


def contract(account, renewal_on: date, number: str = "HT-1", **extra) -> Contract:
    return Contract.objects.create(
        account=account,
        number=number,
        title="年度服务合同",
        signed_on=renewal_on - timedelta(days=365),
        start_on=renewal_on - timedelta(days=365),
        end_on=renewal_on,
        renewal_on=renewal_on,
        amount=Decimal("120000.00"),
        **extra,
    )


def milestone(account, due_on: date, amount="1000.00", paid_on=None) -> PaymentMilestone:
    return PaymentMilestone.objects.create(
        account=account,
        due_on=due_on,
        amount=Decimal(amount),
        paid_amount=Decimal(amount) if paid_on else Decimal("0"),
        paid_on=paid_on,
        description="货款",
    )


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def interaction(account, occurred: date, **extra) -> Interaction:
    fields = {
        "kind": "call",
        "subject": "电话回访",
        "occurred_at": at(occurred),
        "logged_at": at(occurred, 11),
        **extra,
    }
    return Interaction.objects.create(account=account, company_id=account.company_id, **fields)


def visit_due(account, due: date) -> None:
    AccountTier.objects.update_or_create(
        account=account, defaults={"tier": "A", "next_visit_due": due}
    )


def push_visits_far(accounts) -> None:
    """Accounts' visits due far away, so visit reminders stay out of a test about others."""
    for account in accounts:
        visit_due(account, date(2100, 1, 1))
