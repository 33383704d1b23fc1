"""The tier and visit-due badge shown with an account (customer page, lists)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from xinren.cadence.models import AccountTier
from xinren.cadence.services import visit_interval_days

register = template.Library()


@register.inclusion_tag("xinren/cadence/_account_cadence.html", takes_context=True)
def account_cadence(context, account):
    record = AccountTier.objects.filter(pk=account.pk).first()
    tier = record.tier if record else "C"
    due = record.next_visit_due if record else None
    today = timezone.localdate()
    return {
        "account": account,
        "tier": tier,
        "interval": visit_interval_days(account.business_unit_id, tier),
        "last_visit_at": record.last_visit_at if record else None,
        "due": due,
        "overdue": bool(due and due < today),
        "days": (due - today).days if due else None,
        "can": context.get("can", {}),
    }
