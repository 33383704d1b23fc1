"""Watch lists (失信被执行人, 经营异常名录, industry blacklists) and their hits on the golden
master.

A list's entries are public registry data: who is listed, why, by whom, since when. A hit
links one company of the master to one entry, found by screening
(:func:`xinren.kyc.screening.screen_all`): by USCC, or by the normalised name
(:func:`xinren.standards.names.name_key`) when the entry or the company has no USCC. A hit
is kept once per (company, entry) with the reviewer's decision; a later screening refreshes
it, and closes it when the entry was removed from the list or no longer matches.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import Company
from xinren.standards.names import KEY_LENGTH


class ListKind(models.TextChoices):
    DISHONEST = "dishonest", _("失信被执行人")
    ABNORMAL_OPERATION = "abnormal_operation", _("经营异常名录")
    INDUSTRY_BLACKLIST = "industry_blacklist", _("行业黑名单")


class WatchList(models.Model):
    kind = models.CharField(_("名单类型"), max_length=20, choices=ListKind.choices)
    name = models.CharField(_("名单名称"), max_length=100, unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    # GB/T 4754 industry codes the list concerns (an industry blacklist); informational.
    industry_scope = models.CharField(_("适用行业"), max_length=100, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry_count = models.PositiveIntegerField(_("在列条目数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("名单")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ListEntry(models.Model):
    """One listed company. Its identity within the list is its USCC, or (without one) its
    normalised name; an import that no longer contains it sets ``removed_on``."""

    watch_list = models.ForeignKey(WatchList, on_delete=models.CASCADE, related_name="entries")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("企业名称"), max_length=200)
    name_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    reason = models.CharField(_("列入原因"), max_length=500, blank=True)
    authority = models.CharField(_("决定机关"), max_length=200, blank=True)
    listed_on = models.DateField(_("列入日期"), null=True, blank=True)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单条目")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["watch_list", "removed_on"]),
            # Screening scans only listed entries, each part through its own narrow index:
            # coded entries by USCC and by name (for customers without one), uncoded by name.
            # Each holds the columns its condition names, so a scan never reads the table.
            models.Index(
                fields=["uscc", "removed_on"],
                condition=models.Q(removed_on__isnull=True) & ~models.Q(uscc=""),
                name="kyc_entry_listed_uscc",
            ),
            models.Index(
                fields=["name_key", "uscc", "removed_on"],
                condition=models.Q(removed_on__isnull=True) & ~models.Q(uscc=""),
                name="kyc_entry_listed_coded_name",
            ),
            models.Index(
                fields=["name_key", "uscc", "removed_on"],
                condition=models.Q(removed_on__isnull=True, uscc=""),
                name="kyc_entry_listed_uncoded_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MatchedBy(models.TextChoices):
    USCC = "uscc", _("统一社会信用代码一致")
    NAME = "name", _("仅名称一致")


class HitStatus(models.TextChoices):
    NEW = "new", _("待核实")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class ListHit(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="hits")
    matched_by = models.CharField(_("匹配方式"), max_length=4, choices=MatchedBy.choices)
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    # Set when a screening no longer finds the match (entry removed, company changed).
    closed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=HitStatus.choices, default=HitStatus.NEW
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("名单命中")
        ordering = ["-first_seen", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "entry"], name="one_hit_per_entry")
        ]
        indexes = [models.Index(fields=["status", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.company_id}→{self.entry_id} {self.matched_by}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
