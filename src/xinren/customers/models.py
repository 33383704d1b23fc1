"""Customer master data.

``Company`` is the golden record, one per legal entity, keyed by its USCC and shared by the
whole group. ``CustomerAccount`` is one business unit's own relationship with that company
(owner, service team, lifecycle status, archive number). Scope is decided on accounts: a user
sees a company when they can see at least one of its accounts.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.orgs.models import OrgUnit
from xinren.standards.codes import validate_industry_code, validate_region_code


class EntityType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    INSTITUTION = "institution", _("机关/事业单位")
    SOCIAL_ORG = "social_org", _("社会组织")
    INDIVIDUAL = "individual", _("自然人")
    FOREIGN = "foreign", _("境外企业")


# Types that have no USCC: a person, or a company registered abroad.
TYPES_WITHOUT_USCC = {EntityType.INDIVIDUAL, EntityType.FOREIGN}


class SizeBand(models.TextChoices):
    LARGE = "500+", _("500人以上")
    MEDIUM = "300-500", _("300–500人")
    SMALL = "<300", _("300人以下")


class Company(models.Model):
    name = models.CharField(_("客户名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True
    )
    entity_type = models.CharField(
        _("主体类型"), max_length=20, choices=EntityType.choices, default=EntityType.ENTERPRISE
    )
    legal_rep = models.CharField(_("法定代表人"), max_length=60, blank=True)
    legal_rep_id_number = models.CharField(_("法定代表人身份证号"), max_length=18, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("注册资本"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    capital_currency = models.CharField(_("注册资本币种"), max_length=3, default="CNY")
    registered_address = models.CharField(_("注册地址"), max_length=255, blank=True)
    region_code = models.CharField(
        _("所在地区"), max_length=6, blank=True, validators=[validate_region_code], db_index=True
    )
    industry_code = models.CharField(
        _("所属行业"), max_length=5, blank=True, validators=[validate_industry_code], db_index=True
    )
    size_band = models.CharField(_("企业规模"), max_length=8, choices=SizeBand.choices, blank=True)
    main_business = models.TextField(_("主营业务"), blank=True)
    phone = models.CharField(_("公司电话"), max_length=24, blank=True)
    email = models.EmailField(_("公司邮箱"), blank=True)
    website = models.URLField(_("网址"), blank=True)
    pain_points = models.TextField(_("痛点与需求"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("客户（企业主档）")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Lifecycle(models.TextChoices):
    LEAD = "lead", _("线索")
    NEEDS = "needs", _("需求确认")
    PROPOSAL = "proposal", _("方案报价")
    DEAL = "deal", _("成交")
    FULFILMENT = "fulfilment", _("履约交付")
    AFTER_SALES = "after_sales", _("售后")
    MAINTENANCE = "maintenance", _("维护")
    LOST = "lost", _("流失")


class AccountType(models.TextChoices):
    B2B = "B2B", _("企业客户")
    B2G = "B2G", _("政府及事业单位")
    B2C = "B2C", _("个人客户")
    CHN = "CHN", _("渠道伙伴")


class CustomerAccount(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("客户")
    )
    business_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属公司")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
        verbose_name=_("归属人"),
    )
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("归属部门")
    )
    service_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="served_accounts",
        verbose_name=_("服务团队"),
        through="ServiceAssignment",
    )
    account_type = models.CharField(
        _("客户类型"), max_length=3, choices=AccountType.choices, default=AccountType.B2B
    )
    archive_no = models.CharField(_("档案编号"), max_length=24, unique=True, editable=False)
    status = models.CharField(
        _("生命周期阶段"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.LEAD
    )
    source = models.CharField(_("客户来源"), max_length=60, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("客户账户")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "business_unit"], name="one_account_per_business_unit"
            )
        ]
        indexes = [
            models.Index(fields=["owner_unit", "company"]),
            models.Index(fields=["business_unit", "company"]),
            models.Index(fields=["owner", "company"]),
        ]

    def __str__(self) -> str:
        return self.archive_no


class ServiceAssignment(models.Model):
    """Service responsibility, separate from ownership: who serves the account."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="one_assignment")]

    def __str__(self) -> str:
        return f"{self.user_id} serves {self.account_id}"


class ArchiveSequence(models.Model):
    """Last number issued per archive type and year; bumped by one atomic upsert."""

    prefix = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("决策者")
    INFLUENCER = "influencer", _("影响者")
    PURCHASER = "purchaser", _("采购者")
    USER = "user", _("使用者")
    OTHER = "other", _("其他")


class Contact(models.Model):
    """A person at the customer. Work phone and work e-mail only: collecting a personal
    private number is forbidden (SPEC §2)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=60)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    department = models.CharField(_("部门"), max_length=60, blank=True)
    work_phone = models.CharField(_("工作电话"), max_length=24, blank=True)
    phone_digits = models.CharField(max_length=24, blank=True, db_index=True, editable=False)
    work_email = models.EmailField(_("工作邮箱"), blank=True)
    decision_role = models.CharField(
        _("决策链角色"), max_length=16, choices=DecisionRole.choices, default=DecisionRole.USER
    )
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("联系人")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name


class DocumentType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("营业执照")
    INDUSTRY_QUALIFICATION = "industry_qualification", _("行业资质")
    LEGAL_REP_ID = "legal_rep_id", _("法定代表人身份证")
    PREMISES_PROOF = "premises_proof", _("经营场所证明")
    CONTRACT = "contract", _("合同")
    OTHER = "other", _("其他")


def document_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.company_id}/{instance.sha256[:2]}/{instance.sha256}"


class Document(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="documents")
    account = models.ForeignKey(
        CustomerAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    doc_type = models.CharField(_("文件类型"), max_length=24, choices=DocumentType.choices)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    issued_on = models.DateField(_("签发日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("附件")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title or self.original_name
