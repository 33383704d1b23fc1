"""Scoped reads of risk: only accounts the user sees (``visible_accounts``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.kyc.models import RegistryRecord
from xinren.orgs.models import User

from . import rules
from .models import RiskAssessment, RiskChange
from .rules import RiskLevel


def account_for(user: User, account_id: int) -> CustomerAccount:
    """The account if the user sees it (else ``CustomerAccount.DoesNotExist`` → 404)."""
    return (
        visible_accounts(user)
        .select_related("company", "business_unit", "owner")
        .get(pk=account_id)
    )


DEFAULT_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM)


def levels_param(raw: str | None) -> tuple[str, ...]:
    """The ``level`` filter of the list, its API and its export: comma-separated levels;
    empty means high and medium (the accounts to watch). A field error names a bad one."""
    levels = tuple(x.strip() for x in (raw or "").split(",") if x.strip())
    if any(x not in RiskLevel.values for x in levels):
        raise field_error("level", _("风险等级只能是 low、medium、high。"), "choice")
    return levels or DEFAULT_LEVELS


def assessments(user: User, levels=DEFAULT_LEVELS) -> QuerySet[RiskAssessment]:
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


def not_assessed(account: CustomerAccount) -> list:
    """What could not be scored for the account: registry status and lawsuits when the
    registry table does not know its company's USCC."""
    return [] if registry_known([account.company.uscc]) else [rules.NO_REGISTRY_DATA]


def registry_known(usccs) -> set[str]:
    """Those of the USCCs the registry table has a record of (one query)."""
    usccs = {u for u in usccs if u}
    if not usccs:
        return set()
    return set(RegistryRecord.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
