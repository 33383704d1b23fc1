"""Quality-owned lookup keys of the golden master, one row per company.

The customers app does not know the duplicate check: the keys live here, keyed by company id,
and ``xinren.customers.services`` keeps them in step with one call to
:func:`xinren.quality.services.index_company` in the same transaction as the company's write
(as it does for its own search index). Deleting a company deletes its row (cascade)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import Company
from xinren.standards.names import KEY_LENGTH


class CompanyKey(models.Model):
    company = models.OneToOneField(
        Company, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    name_key = models.CharField(max_length=KEY_LENGTH)
    pinyin_key = models.CharField(max_length=KEY_LENGTH * 2, db_index=True)
    phone_digits = models.CharField(max_length=24, blank=True, db_index=True)
    # Whether the company has a USCC, kept with the name key (same writes): watch-list
    # screening matches a coded entry by name only against customers without a USCC.
    has_uscc = models.BooleanField(default=False)

    class Meta:
        verbose_name = "company lookup keys"
        indexes = [
            # Lookups by name key read the company id from the index alone (on SQLite the
            # table's rowid is not the company id, so a name_key index alone reads the row).
            models.Index(fields=["name_key", "company"], name="quality_key_name"),
            # The customers without a USCC (≈ 10% of a master), for screening's name match of
            # coded entries: a small index instead of probing all of the master's names.
            models.Index(
                fields=["name_key", "company", "has_uscc"],
                condition=models.Q(has_uscc=False),
                name="quality_key_name_uncoded",
            ),
        ]

    def __str__(self) -> str:
        return self.name_key


class DedupeRun(models.Model):
    """One batch duplicate detection over the whole golden master (a background job)."""

    job = models.ForeignKey(
        "jobs.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    companies = models.PositiveIntegerField(_("企业数"), default=0)
    compared = models.PositiveBigIntegerField(_("比较的配对数"), default=0)
    pairs_found = models.PositiveIntegerField(_("发现的疑似重复"), default=0)
    pairs_new = models.PositiveIntegerField(_("新增待审"), default=0)
    parameters = models.JSONField(default=dict, blank=True)  # threshold, engine version …

    class Meta:
        verbose_name = _("批量查重")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"dedupe {self.started_at:%Y-%m-%d %H:%M} {self.pairs_found}"


class PairStatus(models.TextChoices):
    OPEN = "open", _("待审")
    SAME = "same", _("同一企业")
    DIFFERENT = "different", _("不同企业")
    UNSURE = "unsure", _("不确定")
    MERGED = "merged", _("已合并")


class DuplicatePair(models.Model):
    """A candidate pair found by batch detection, and the steward's remembered decision.

    Stored once per unordered pair (``company_a_id < company_b_id``); a later run refreshes the
    score and reasons but never reopens a decided pair."""

    company_a = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    company_b = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("相似度"))
    reasons = models.JSONField(_("原因"), default=list)  # [{"code": "same_uscc", "score": 100}]
    status = models.CharField(
        _("状态"), max_length=10, choices=PairStatus.choices, default=PairStatus.OPEN
    )
    run = models.ForeignKey(
        DedupeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    found_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("疑似重复")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company_a", "company_b"], name="one_pair"),
            models.CheckConstraint(
                condition=models.Q(company_a__lt=models.F("company_b")), name="pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"])]

    def __str__(self) -> str:
        return f"{self.company_a_id}~{self.company_b_id} {self.score}"


class MergeRecord(models.Model):
    """One merge of two golden records, with everything needed to undo it.

    ``other_snapshot`` holds the other company's full row (with its id) as it was before the
    merge; ``removed`` every row the merge deleted (the other company, accounts combined into
    the survivor's account of the same business unit, rows that could not move), serialised
    in deletion order; ``moves`` every row whose reference changed, as groups of
    ``{"model", "field", "old", "new", "pks"}``. See :mod:`xinren.quality.merging`."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    merged_at = models.DateTimeField(_("合并时间"), auto_now_add=True, db_index=True)
    # Kept when the survivor is deleted later (the record then can no longer be undone).
    survivor = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survivor_ref = models.BigIntegerField(_("保留的客户"), db_index=True)
    survivor_name = models.CharField(max_length=200)
    other_ref = models.BigIntegerField(_("被合并的客户"), db_index=True)
    other_name = models.CharField(max_length=200)
    other_uscc = models.CharField(max_length=18, blank=True)
    other_snapshot = models.JSONField(default=dict)
    survivor_before = models.JSONField(default=dict)  # {field: value} of the fields changed
    survivor_after = models.JSONField(default=dict)
    choices = models.JSONField(default=dict)  # {field: "survivor" | "other"} as applied
    moves = models.JSONField(default=list)
    removed = models.JSONField(default=list)
    pair_ids = models.JSONField(default=list)  # DuplicatePair rows between the two
    counts = models.JSONField(default=dict)  # {model label: rows moved or combined}
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("客户合并记录")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.other_name} → {self.survivor_name}"


class MergedArchiveNo(models.Model):
    """Archive number of an account removed by a merge (combined into the survivor's account
    of the same business unit): it stays findable and leads to the account that took it."""

    record = models.ForeignKey(MergeRecord, on_delete=models.CASCADE, related_name="archive_nos")
    archive_no = models.CharField(_("档案编号"), max_length=24, db_index=True)
    account_ref = models.BigIntegerField()
    into_account_ref = models.BigIntegerField()

    class Meta:
        verbose_name = _("已合并的档案编号")

    def __str__(self) -> str:
        return self.archive_no


class ImportTemplate(models.Model):
    """A saved column mapping of the customer import: which of a file's headers goes to
    which field. Per user (the CLI's ``--template NAME`` names one of the importer's)."""

    name = models.CharField(_("模板名称"), max_length=60)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # {"file header as written": "field key" or "" to ignore the column}
    mapping = models.JSONField(_("列映射"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入模板")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="one_template_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class ExportRecord(models.Model):
    """Audit of one export: who exported which list, with which filters, how many rows, by
    which way (page, API, CLI); a large one also names its background job and the file it
    wrote (downloadable only by the person who exported it)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the user is deleted
    list_name = models.CharField(_("列表"), max_length=32)
    format = models.CharField(_("格式"), max_length=4)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    via = models.CharField(max_length=8)  # web / api / cli
    job = models.ForeignKey(
        "jobs.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.CharField(max_length=255, blank=True)  # under MEDIA_ROOT/exports (jobs)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("导出记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.list_name} {self.rows}"


# Data-quality measures live in their own module (profiles, scores, snapshots, tasks).
from .measures.models import (  # noqa: E402,F401
    QualityProfile,
    QualityScore,
    QualitySnapshot,
    QualityTask,
)
