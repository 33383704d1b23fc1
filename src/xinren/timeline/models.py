"""One timeline per customer: every interaction, contract, order, payment, document and
change becomes an event here, written in the same transaction as the thing it records.

Like the change history, this package sits below the domain packages and knows customers only
by id, so every package may write to it. One indexed table makes the first page of a
customer's timeline one query, however long the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    INTERACTION = "interaction", _("互动")
    CONTRACT = "contract", _("合同")
    ORDER = "order", _("订单")
    PAYMENT = "payment", _("收付款")
    DOCUMENT = "document", _("附件")
    CHANGE = "change", _("变更")


class TimelineEvent(models.Model):
    company_id = models.BigIntegerField(db_index=False)
    # Null for company-level events (golden-record changes, company documents): those are
    # visible to everyone who sees the company.
    account_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=60)  # model label, e.g. "activities.interaction"
    source_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account_id", "-occurred_at", "-id"], name="timeline_account"),
            models.Index(fields=["company_id", "-occurred_at", "-id"], name="timeline_company"),
            models.Index(fields=["source", "source_id"], name="timeline_source"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.kind} {self.title}"
