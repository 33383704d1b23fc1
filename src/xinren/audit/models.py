"""Change history: who changed what, when, with the values before and after."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeLog(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the history still says who it was after the user is deleted.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    entity = models.CharField(max_length=60, db_index=True)  # e.g. "customers.company"
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=255, blank=True)
    # Denormalised keys that let scoped reads find the history of one customer cheaply.
    company_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    org_unit_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # {"field": {"before": ..., "after": ...}}
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "object_id", "-id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.entity}#{self.object_id}"
