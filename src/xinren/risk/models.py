"""A customer account's current risk, its history of changes, and the credit policy per level."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import CustomerAccount
from xinren.orgs.models import OrgUnit

from .rules import RiskLevel

# The facts stored on RiskAssessment, compared by the daily run (xinren.risk.scoring).
FACT_COLUMNS = (
    "facts_docs",
    "facts_expired",
    "facts_delay_late",
    "facts_delay_due",
    "facts_overdue_cents",
    "facts_hits_new",
    "facts_hits_confirmed",
    "facts_hits_key",
    "facts_registry",
    "facts_lawsuits",
)


class RiskAssessment(models.Model):
    """The account's current score; rewritten only when the score or its factors change."""

    account = models.OneToOneField(
        CustomerAccount, on_delete=models.CASCADE, primary_key=True, related_name="risk"
    )
    score = models.PositiveSmallIntegerField(_("风险分"))
    level = models.CharField(_("风险等级"), max_length=6, choices=RiskLevel.choices)
    # [{"code", "group", "points", "evidence": {...}}], labels rendered by rules.factor_label
    factors = models.JSONField(default=list)
    computed_at = models.DateTimeField(_("评估时间"))
    # The compact facts the factors were built from (xinren.risk.scoring): the daily run
    # recomputes them in SQL and compares them (and the rules' version) with these columns in the
    # same statement, so only changed accounts reach Python. -1 = never recorded.
    facts_docs = models.SmallIntegerField(
        default=-1
    )  # Σ state × 3^i, state 0 ok 1 expired 2 missing
    facts_expired = models.CharField(max_length=64, blank=True, default="")  # expiry per type
    facts_delay_late = models.IntegerField(default=0)  # late / due when over the rule, else 0 / 0
    facts_delay_due = models.IntegerField(default=0)
    facts_overdue_cents = models.BigIntegerField(default=0)
    facts_hits_new = models.IntegerField(default=0)
    facts_hits_confirmed = models.IntegerField(default=0)
    facts_hits_key = models.BigIntegerField(default=0)  # Σ ids of the open hits counted
    facts_registry = models.CharField(max_length=32, blank=True, default="")  # status + date
    facts_lawsuits = models.IntegerField(default=0)
    # rules.RULES_VERSION when scored: other rules → re-scored whatever the facts.
    rules_version = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("风险评估")
        indexes = [
            models.Index(fields=["level", "account"], name="risk_by_level"),
            # The daily run compares every account's facts with these columns in account
            # order; PostgreSQL reads them from this index alone (a tenth of the table's
            # size, which carries the explained factors), not the table. PostgreSQL only
            # (Django creates no covering index elsewhere).
            models.Index(
                fields=["account"],
                include=["rules_version", *FACT_COLUMNS],
                name="risk_facts_by_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.level} {self.score}"


class RiskChange(models.Model):
    """One change of an account's score or level (never written when nothing changed)."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="+")
    old_level = models.CharField(max_length=6, choices=RiskLevel.choices, blank=True)
    new_level = models.CharField(max_length=6, choices=RiskLevel.choices)
    old_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_score = models.PositiveSmallIntegerField()
    factors = models.JSONField(default=list)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("风险变化")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["account", "-changed_at"], name="risk_change_of_account")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.old_level}→{self.new_level}"


class CreditPolicy(models.Model):
    """Credit terms for one level in one subsidiary; on the group root it is the group default."""

    business_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("风险等级"), max_length=6, choices=RiskLevel.choices)
    prepayment_only = models.BooleanField(_("仅限预付款"), default=False)
    max_credit_days = models.PositiveSmallIntegerField(_("最长账期（天）"), null=True, blank=True)
    credit_limit = models.DecimalField(
        _("信用额度（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("信用政策")
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "level"], name="one_policy_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.business_unit_id}: {self.level}"


class CreditSetting(models.Model):
    """Credit settings of one subsidiary that are not per level; on the group root it is the
    group default. ``certificate_required``: no contract (nor an order outside one) for an
    account without a certificate in force. Off unless set, so existing installs keep
    working until a subsidiary turns it on."""

    business_unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="+")
    certificate_required = models.BooleanField(_("签约前须通过认证"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("信用设置")

    def __str__(self) -> str:
        return f"{self.business_unit_id}: certificate_required={self.certificate_required}"
