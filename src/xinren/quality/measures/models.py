"""Data-quality measures: the required/optional fields per subsidiary, one score row per
customer account (refreshed by a job), daily snapshots per unit and rep for the trend, and
quality tasks for owners."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import CustomerAccount
from xinren.orgs.models import OrgUnit

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class QualityProfile(models.Model):
    """Which fields a customer file of this business unit must have (``required``, counted
    by completeness) or may have (``optional``: checked for validity when filled). The group
    HQ's profile is the default of every subsidiary without its own; without any profile the
    registry's built-in choice applies. ``min_completeness`` and ``min_validity`` are the bar
    a record must reach for its quality task to close."""

    business_unit = models.OneToOneField(
        OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("所属公司")
    )
    required = models.JSONField(_("必填字段"), default=list)
    optional = models.JSONField(_("选填字段"), default=list)
    min_completeness = models.PositiveSmallIntegerField(
        _("完整度达标线（%）"), default=90, validators=PERCENT
    )
    min_validity = models.PositiveSmallIntegerField(
        _("合规率达标线（%）"), default=100, validators=PERCENT
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("数据质量标准")

    def __str__(self) -> str:
        return f"quality profile of {self.business_unit_id}"


class QualityScore(models.Model):
    """One account's file as of the last refresh. Counts (not only percentages) so that any
    aggregate is a SUM: completeness = required_filled / required_total, validity =
    valid_total / checked_total (filled measured fields that have a format rule)."""

    account = models.OneToOneField(
        CustomerAccount, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    required_total = models.PositiveSmallIntegerField(default=0)
    required_filled = models.PositiveSmallIntegerField(default=0)
    checked_total = models.PositiveSmallIntegerField(default=0)
    valid_total = models.PositiveSmallIntegerField(default=0)
    completeness = models.FloatField(_("完整度"), default=1.0)
    validity = models.FloatField(_("合规率"), default=1.0)
    duplicate = models.BooleanField(_("疑似重复"), default=False)
    meets_bar = models.BooleanField(_("达标"), default=True)
    missing = models.JSONField(_("缺失字段"), default=list)
    invalid = models.JSONField(_("格式不合规字段"), default=list)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("数据质量评分")
        indexes = [
            models.Index(fields=["completeness", "validity", "account"], name="quality_worst"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.completeness:.0%} {self.validity:.0%}"


class SnapshotLevel(models.TextChoices):
    GROUP = "group", _("集团")
    SUBSIDIARY = "subsidiary", _("子公司")
    DEPARTMENT = "department", _("部门")
    REP = "rep", _("销售代表")


class QualitySnapshot(models.Model):
    """The day's sums for the group, each business unit, each owning department and each
    owner (rep): the trend reads these instead of recomputing history."""

    day = models.DateField()
    level = models.CharField(max_length=10, choices=SnapshotLevel.choices)
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    records = models.PositiveIntegerField(default=0)
    required_total = models.PositiveBigIntegerField(default=0)
    required_filled = models.PositiveBigIntegerField(default=0)
    checked_total = models.PositiveBigIntegerField(default=0)
    valid_total = models.PositiveBigIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("数据质量快照")
        ordering = ["day"]
        indexes = [
            models.Index(fields=["level", "unit", "day"], name="quality_snap_unit"),
            models.Index(fields=["level", "user", "day"], name="quality_snap_user"),
            models.Index(fields=["day", "level"], name="quality_snap_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.level} {self.unit_id or self.user_id or ''}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已达标")


class QualityTask(models.Model):
    """ "Fix this customer file": assigned to the account's owner, listing what was missing
    or invalid when it was assigned; it closes itself when a refresh finds the record at the
    bar of its business unit."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quality_tasks",
        verbose_name=_("负责人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    missing = models.JSONField(_("缺失字段"), default=list)
    invalid = models.JSONField(_("格式不合规字段"), default=list)
    completeness_at_start = models.FloatField(default=0)
    validity_at_start = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("数据质量任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(status="open"), name="one_open_quality_task"
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "-created_at"], name="quality_task_inbox")
        ]

    def __str__(self) -> str:
        return f"quality task {self.pk} for {self.account_id}"
