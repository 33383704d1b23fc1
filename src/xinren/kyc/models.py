"""Watch lists (失信被执行人, 经营异常名录, industry blacklists) and their hits on the golden
master.

A list's entries are public registry data: who is listed, why, by whom, since when. A hit
links one company of the master to one entry, found by screening
(:func:`xinren.kyc.screening.screen_all`): by USCC, or by the normalised name
(:func:`xinren.standards.names.name_key`) when the entry or the company has no USCC. A hit
is kept once per (company, entry) with the reviewer's decision; a later screening finds it
again, and closes it when the entry was removed from the list or no longer matches. Each
full screening is recorded (:class:`ScreeningRun`).
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
        indexes = [
            models.Index(fields=["status", "closed_at"]),
            # The open hits as screening compares them with its matches (each pair with its
            # way), in pair order like the match table: read without the closed history.
            models.Index(
                fields=["company", "entry", "matched_by", "closed_at"],
                condition=models.Q(closed_at__isnull=True),
                name="kyc_hit_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}→{self.entry_id} {self.matched_by}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ScreeningTrigger(models.TextChoices):
    LIST_IMPORT = "list_import", _("名单导入")
    DAILY = "daily", _("每日复筛")
    MANUAL = "manual", _("手动")


class ScreeningRun(models.Model):
    """One full screening of the master against every list (``screen_all``), stored with the
    run's results when they commit: the record that the master was screened, and by when.
    A full run does not rewrite the hits it finds again: a hit was found by every full run
    while it was open, so its “last found” is the later of its ``last_seen`` and the start
    of the latest run before it closed (:func:`xinren.kyc.selectors.with_last_found`)."""

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("完成时间"))
    trigger = models.CharField(_("触发方式"), max_length=12, choices=ScreeningTrigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matches = models.PositiveIntegerField(_("当前匹配"), default=0)
    new = models.PositiveIntegerField(_("新命中"), default=0)
    closed = models.PositiveIntegerField(_("已解除"), default=0)
    refreshed = models.PositiveIntegerField(_("再次发现"), default=0)

    class Meta:
        verbose_name = _("名单筛查记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.trigger}"


# --- certification (KYC) ---------------------------------------------------------------------
class CheckCode(models.TextChoices):
    DOCUMENTS = "documents", _("证照齐全且在有效期内")
    USCC_MATCH = "uscc_match", _("统一社会信用代码与执照一致")
    WATCH_LISTS = "watch_lists", _("名单筛查")
    REFERENCES = "references", _("推荐人核实")
    REGISTRY = "registry", _("工商登记核验")
    LAWSUITS = "lawsuits", _("涉诉情况")


# The "three certificates and one licence" (三证一照) and every check: the built-in default.
DEFAULT_DOCUMENTS = [
    "business_licence",
    "industry_qualification",
    "legal_rep_id",
    "premises_proof",
]
DEFAULT_CHECKS = [c.value for c in CheckCode]


class CertificationStandard(models.Model):
    """What a certification requires, per subsidiary (empty: the group default) and industry
    (a GB/T 4754 code prefix; empty: every industry). The most specific standard applies: see
    :func:`xinren.kyc.certification.standard_for`."""

    business_unit = models.ForeignKey(
        "orgs.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("所属公司"),
    )
    industry_code = models.CharField(_("行业代码"), max_length=5, blank=True)
    required_documents = models.JSONField(_("必备证照"), default=list)
    # A document expiring within this many days counts as expired.
    expiry_margin_days = models.PositiveIntegerField(_("证照剩余有效期不少于（天）"), default=30)
    required_checks = models.JSONField(_("必做核查"), default=list)
    validity_days = models.PositiveIntegerField(_("认证有效期（天）"), default=365)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("认证标准")
        ordering = ["business_unit_id", "industry_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "industry_code"], name="one_standard_per_unit_industry"
            ),
            models.UniqueConstraint(
                fields=["industry_code"],
                condition=models.Q(business_unit__isnull=True),
                name="one_group_standard_per_industry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_unit or _('集团')} {self.industry_code or '*'}"

    def document_labels(self) -> list[str]:
        from xinren.customers.models import DocumentType

        return [str(DocumentType(d).label) for d in self.required_documents]

    def check_labels(self) -> list[str]:
        return [str(CheckCode(c).label) for c in self.required_checks]


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("审核中")
    APPROVED = "approved", _("已通过")
    CONDITIONAL = "conditional", _("有条件通过")
    REJECTED = "rejected", _("已拒绝")


class Application(models.Model):
    """One certification of one customer account, from draft to a decision. An approved or
    conditional application is the account's certificate until ``valid_until``."""

    account = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="applications"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ApplicationStatus.choices, default="draft"
    )
    # The USCC as printed on the business licence, typed in by staff from the document.
    licence_uscc = models.CharField(_("执照上的统一社会信用代码"), max_length=18, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.TextField(_("审批理由"), blank=True)
    prepayment_required = models.BooleanField(_("须预付款"), default=False)
    credit_limit = models.DecimalField(
        _("信用额度"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    credit_days = models.PositiveIntegerField(_("信用天数"), null=True, blank=True)
    valid_until = models.DateField(_("认证有效期至"), null=True, blank=True)
    # The valid_until the owner was last reminded of (one reminder per certificate and window).
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("认证申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["valid_until"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED


DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.CONDITIONAL, ApplicationStatus.REJECTED)


class ApplicationStep(models.Model):
    """One status change: who, when, from what to what, with the note."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=12, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"


class CheckResult(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")
    PENDING = "pending", _("待完成")


class ApplicationCheck(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(_("核查项"), max_length=12, choices=CheckCode.choices)
    result = models.CharField(
        _("结果"), max_length=8, choices=CheckResult.choices, default="pending"
    )
    evidence = models.TextField(_("依据"), blank=True)
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="one_check_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.result}"


class ReferenceOutcome(models.TextChoices):
    POSITIVE = "positive", _("评价正面")
    NEGATIVE = "negative", _("评价负面")


class Reference(models.Model):
    """A business reference contacted about the customer, and what they said."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="references"
    )
    name = models.CharField(_("推荐人"), max_length=100)
    contact = models.CharField(_("联系方式"), max_length=100)
    contacted_on = models.DateField(_("联系日期"))
    outcome = models.CharField(_("结果"), max_length=8, choices=ReferenceOutcome.choices)
    note = models.CharField(_("记录"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# --- business registry (工商登记) ------------------------------------------------------------
class RegistryStatus(models.TextChoices):
    """Registration status as the registry publishes it. Only ``active`` (存续) is in good
    standing; every other status is a compliance risk factor and fails the registry check."""

    ACTIVE = "active", _("存续")
    CANCELLED = "cancelled", _("注销")
    REVOKED = "revoked", _("吊销")
    SUSPENDED = "suspended", _("停业")
    LIQUIDATING = "liquidating", _("清算")
    MOVED_OUT = "moved_out", _("迁出")


class RegistrySnapshot(models.Model):
    """One import of registry data (a snapshot file) or one batch fetched by a provider."""

    source = models.CharField(_("数据来源"), max_length=200)
    # The date the registry data describes (not when it was imported).
    as_of = models.DateField(_("数据日期"))
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record_count = models.PositiveIntegerField(_("记录数"), default=0)

    class Meta:
        verbose_name = _("工商登记数据")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.as_of:%Y-%m-%d}"


class RegistryRecord(models.Model):
    """What the registry says about one enterprise, newest known: one row per USCC, replaced
    by every later snapshot (or provider lookup) that includes it. Checks and risk scoring
    read this table whichever provider filled it."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    name_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    legal_rep = models.CharField(_("法定代表人"), max_length=100, blank=True)
    status = models.CharField(
        _("登记状态"), max_length=12, choices=RegistryStatus.choices, default="active"
    )
    registered_capital = models.DecimalField(
        _("注册资本（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    # [{"name": "…", "share_percent": "51.00"}, …] as published.
    shareholders = models.JSONField(_("股东"), default=list, blank=True)
    lawsuit_count = models.PositiveIntegerField(_("涉诉案件数"), default=0)
    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.PROTECT, related_name="records")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工商登记记录")
        ordering = ["uscc"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    @property
    def is_active(self) -> bool:
        return self.status == RegistryStatus.ACTIVE


# --- the customer's upload link (客户上传链接) ---------------------------------------------------
class UploadLink(models.Model):
    """A one-time, expiring link through which the customer uploads the documents one
    application requires, without signing in. Only the SHA-256 of the token is kept: the raw
    token is shown once to the staff member who made the link (like a password-reset link).
    The link closes when the customer presses Submit (``used_at``), when staff revoke it, when
    it expires, or when the application has gone past "submitted". See
    :mod:`xinren.kyc.upload_links`."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="upload_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    max_files = models.PositiveIntegerField(_("最多文件数"), default=10)
    files_uploaded = models.PositiveIntegerField(_("已上传文件数"), default=0)
    used_at = models.DateTimeField(_("客户提交时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the documents uploaded through this link (the public page lists these and no others)
    documents = models.ManyToManyField("customers.Document", blank=True, related_name="+")

    class Meta:
        verbose_name = _("客户上传链接")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.application_id}"
