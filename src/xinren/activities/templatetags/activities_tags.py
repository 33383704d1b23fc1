"""The customer page's timeline section, and small labels for timeline entries."""

from __future__ import annotations

from django import template
from django.utils import timezone

from xinren.activities.models import InteractionKind

register = template.Library()

ICONS = {
    "visit": "bi-geo-alt",
    "call": "bi-telephone",
    "email": "bi-envelope",
    "meeting": "bi-people",
    "social": "bi-chat-dots",
    "interaction": "bi-chat-dots",
    "contract": "bi-file-earmark-text",
    "order": "bi-cart",
    "payment": "bi-cash-coin",
    "document": "bi-paperclip",
    "change": "bi-pencil-square",
}


@register.inclusion_tag("xinren/activities/_timeline_section.html", takes_context=True)
def customer_timeline(context):
    """Quick log form, kind chips and the first page of the company's timeline, from what the
    customer page already loaded (its visible accounts and contacts)."""
    from xinren.activities.views import timeline_context

    return timeline_context(
        context["request"],
        company=context["company"],
        accounts=list(context.get("accounts") or []),
        contacts=list(context.get("contacts") or []),
    )


@register.filter
def event_icon(event) -> str:
    kind = (event.detail or {}).get("kind") if event.kind == "interaction" else event.kind
    return ICONS.get(kind, "bi-dot")


@register.filter
def interaction_kind(value: str) -> str:
    try:
        return str(InteractionKind(value).label)
    except ValueError:
        return value


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def next_step_overdue(interaction) -> bool:
    return bool(
        interaction.next_step
        and not interaction.next_step_done
        and interaction.next_step_due
        and interaction.next_step_due < timezone.localdate()
    )
