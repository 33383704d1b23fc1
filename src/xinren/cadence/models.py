"""Service by tier (SPEC §4): each account's tier (S, A, B, C, set by hand for now, with
history and reason) and each tier's visit cadence, configurable per subsidiary."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import CustomerAccount
from xinren.orgs.models import OrgUnit


class Tier(models.TextChoices):
    S = "S", _("S 级")
    A = "A", _("A 级")
    B = "B", _("B 级")
    C = "C", _("C 级")


# Defaults (SPEC §4): high value monthly, others quarterly.
DEFAULT_VISIT_DAYS = {Tier.S: 30, Tier.A: 30, Tier.B: 90, Tier.C: 90}


class AccountTier(models.Model):
    """The current tier of an account (one row per account; absent means C)."""

    account = models.OneToOneField(
        CustomerAccount, on_delete=models.CASCADE, related_name="tier_record", primary_key=True
    )
    tier = models.CharField(_("客户等级"), max_length=1, choices=Tier.choices, default=Tier.C)
    # When the last visit happened and when the next one is due: maintained by the services
    # that log visits and set tiers, so "visit due" is an indexed range query.
    last_visit_at = models.DateTimeField(_("最近拜访"), null=True, blank=True)
    next_visit_due = models.DateField(_("下次拜访截止"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("客户等级")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.tier}"


class TierChange(models.Model):
    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=1, choices=Tier.choices)
    reason = models.CharField(_("调整原因"), max_length=255)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("等级调整记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_tier or '-'} → {self.to_tier}"


class CadencePolicy(models.Model):
    """A subsidiary's visit interval for one tier (falls back to DEFAULT_VISIT_DAYS)."""

    business_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=1, choices=Tier.choices)
    visit_every_days = models.PositiveSmallIntegerField(
        _("拜访周期（天）"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("拜访频率")
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "tier"], name="one_policy_per_tier")
        ]

    def __str__(self) -> str:
        return f"{self.business_unit_id} {self.tier}: {self.visit_every_days}d"
