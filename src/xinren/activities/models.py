"""Interactions with a customer: visits, calls, e-mails, meetings, social messages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import Company, Contact, CustomerAccount

# SPEC §4: a follow-up is logged within 24 hours of the visit.
LOG_WITHIN = timedelta(hours=24)


class InteractionKind(models.TextChoices):
    VISIT = "visit", _("拜访")
    CALL = "call", _("电话")
    EMAIL = "email", _("邮件")
    MEETING = "meeting", _("会议")
    SOCIAL = "social", _("社交消息")


class Interaction(models.Model):
    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, related_name="interactions"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    logged_at = models.DateTimeField(_("记录时间"))
    # Logged more than LOG_WITHIN after it happened (feeds process-compliance figures).
    late = models.BooleanField(_("补录超时"), default=False)
    subject = models.CharField(_("主题"), max_length=200)
    summary = models.TextField(_("纪要"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=255, blank=True)
    next_step_due = models.DateField(_("下一步截止日期"), null=True, blank=True)
    next_step_done = models.BooleanField(_("下一步已完成"), default=False)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="interactions",
        verbose_name=_("我方参与人"),
    )
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="interactions", verbose_name=_("客户参与人")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("互动记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "kind", "-occurred_at"], name="interaction_kind"),
            # an account's interactions newest first (the keyset page of the list API)
            models.Index(fields=["account", "-occurred_at", "-id"], name="interaction_account"),
            models.Index(fields=["next_step_due"], name="interaction_next_due"),
        ]

    def __str__(self) -> str:
        return self.subject
