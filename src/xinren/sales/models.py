"""Contracts, orders and payments of a customer account. Money is Decimal with a currency;
amounts never pass through float."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import CustomerAccount, Document

MONEY = {"max_digits": 18, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    ACTIVE = "active", _("履行中")
    EXPIRED = "expired", _("已到期")
    RENEWED = "renewed", _("已续签")
    TERMINATED = "terminated", _("已终止")


class PaymentTerms(models.TextChoices):
    CREDIT = "credit", _("账期")
    PREPAYMENT = "prepayment", _("预付款")


class Contract(models.Model):
    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="contracts")
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    title = models.CharField(_("合同名称"), max_length=200)
    signed_on = models.DateField(_("签订日期"))
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    amount = models.DecimalField(_("合同金额"), validators=POSITIVE, **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    payment_terms = models.CharField(
        _("付款方式"), max_length=12, choices=PaymentTerms.choices, default=PaymentTerms.CREDIT
    )
    credit_days = models.PositiveSmallIntegerField(_("账期（天）"), null=True, blank=True)
    renewal_on = models.DateField(_("续签日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    notes = models.TextField(_("备注"), blank=True)
    documents = models.ManyToManyField(
        Document, blank=True, related_name="contracts", verbose_name=_("合同附件")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("合同")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["renewal_on"], name="contract_renewal")]

    def __str__(self) -> str:
        return self.number


class OrderSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("导入")


class Order(models.Model):
    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="orders")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    number = models.CharField(_("订单编号"), max_length=40)
    ordered_on = models.DateField(_("下单日期"))
    amount = models.DecimalField(_("订单金额"), validators=POSITIVE, **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    source = models.CharField(max_length=8, choices=OrderSource.choices, default=OrderSource.MANUAL)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("订单")
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number"], name="one_order_number_per_account"
            )
        ]
        indexes = [models.Index(fields=["account", "-ordered_on"], name="order_account_date")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(_("产品"), max_length=120)
    quantity = models.DecimalField(
        _("数量"), max_digits=14, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_price = models.DecimalField(
        _("单价"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    amount = models.DecimalField(_("金额"), **MONEY)

    class Meta:
        verbose_name = _("订单明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.product


class PaymentMilestone(models.Model):
    """Money the customer owes on a date. ``paid_amount`` and ``paid_on`` (the day it was
    fully paid) are maintained by the receipt services, so overdue and delay figures are
    plain indexed queries."""

    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, related_name="payment_milestones"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    due_on = models.DateField(_("应收日期"))
    amount = models.DecimalField(_("应收金额"), validators=POSITIVE, **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    paid_amount = models.DecimalField(_("已收金额"), default=Decimal("0"), **MONEY)
    paid_on = models.DateField(_("结清日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("收款节点")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["account", "due_on"], name="milestone_account_due"),
            models.Index(fields=["due_on", "paid_on"], name="milestone_due_paid"),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} {self.amount} {self.currency}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class Receipt(models.Model):
    """Money received. Applied to one milestone (partial payments allowed); ``reference``
    (the bank or ERP reference) makes a re-imported receipt recognisable."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="receipts")
    milestone = models.ForeignKey(
        PaymentMilestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    received_on = models.DateField(_("到账日期"))
    amount = models.DecimalField(_("到账金额"), validators=POSITIVE, **MONEY)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    reference = models.CharField(_("流水号"), max_length=60, blank=True)
    source = models.CharField(max_length=8, choices=OrderSource.choices, default=OrderSource.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("到账记录")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference"],
                condition=~models.Q(reference=""),
                name="one_receipt_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency}"
