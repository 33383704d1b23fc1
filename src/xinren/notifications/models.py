"""Reminders and notifications: in-app notification centre, e-mail, daily digest.

A reminder is never sent twice for the same event: every notification carries an
``event_key`` (e.g. ``payment-overdue:123:2026-11-23``) unique per recipient, and is created
with one insert that does nothing on conflict, so a reminder job that crashes and runs again
creates and e-mails each one once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinren.orgs.models import OrgUnit


class NotificationKind(models.TextChoices):
    RENEWAL_DUE = "renewal_due", _("合同续签提醒")
    PAYMENT_DUE = "payment_due", _("收款到期提醒")
    PAYMENT_OVERDUE = "payment_overdue", _("收款逾期")
    VISIT_DUE = "visit_due", _("拜访到期")
    NEXT_STEP_DUE = "next_step_due", _("跟进事项到期")
    LATE_LOG = "late_log", _("跟进记录补录超时")
    QUALITY_TASK = "quality_task", _("数据质量任务")
    LIST_HIT = "list_hit", _("名单命中")
    CERT_EXPIRING = "cert_expiring", _("认证即将到期")
    RISK_LEVEL = "risk_level", _("风险等级变化")
    KYC_UPLOAD = "kyc_upload", _("客户已通过链接上传认证文件")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    event_key = models.CharField(max_length=120)
    company_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail delivery (transactional outbox): wants_email is decided when the notification is
    # created; emailed_at is set once the message has been handed to the mail backend.
    wants_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="one_notification_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"], name="notification_inbox"),
            models.Index(fields=["wants_email", "emailed_at"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Per user and kind: in the app, by e-mail, or only in the daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("站内通知"), default=True)
    email = models.BooleanField(_("邮件"), default=True)
    digest = models.BooleanField(_("每日摘要"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class ReminderSettings(models.Model):
    """A subsidiary's reminder lead times."""

    business_unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="+")
    renewal_days_before = models.PositiveSmallIntegerField(
        _("续签提前天数"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    payment_days_before = models.PositiveSmallIntegerField(
        _("收款提前天数"), default=3, validators=[MinValueValidator(0), MaxValueValidator(90)]
    )
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"reminders for {self.business_unit_id}"
