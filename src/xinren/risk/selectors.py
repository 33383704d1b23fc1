"""Scoped reads of risk: only accounts the user sees (``visible_accounts``)."""

from __future__ import annotations

from django.db.models import QuerySet

from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.orgs.models import User

from .models import RiskAssessment, RiskChange
from .rules import RiskLevel


def account_for(user: User, account_id: int) -> CustomerAccount:
    """The account if the user sees it (else ``CustomerAccount.DoesNotExist`` → 404)."""
    return (
        visible_accounts(user)
        .select_related("company", "business_unit", "owner")
        .get(pk=account_id)
    )


def assessments(user: User, levels=(RiskLevel.HIGH, RiskLevel.MEDIUM)) -> QuerySet[RiskAssessment]:
    """Current assessments of visible accounts at the given levels, riskiest first."""
    return (
        RiskAssessment.objects.filter(
            level__in=levels, account__in=visible_accounts(user).values("pk")
        )
        .select_related("account__company", "account__owner", "account__business_unit")
        .order_by("-score", "account_id")
    )


def assessment_of(account: CustomerAccount) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(account_id=account.pk).first()


def history_of(account: CustomerAccount, limit: int = 50) -> QuerySet[RiskChange]:
    return RiskChange.objects.filter(account_id=account.pk)[:limit]
