"""Display helpers of the data-quality pages."""

from __future__ import annotations

from django import template

from xinren.quality.measures.fields import label

register = template.Library()


@register.filter
def pct(value) -> str:
    """A rate 0–1 as a percentage with one decimal ("92.3%"), "—" for none."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def field_labels(keys) -> str:
    return "、".join(label(k) for k in keys or [])


@register.filter
def level_class(value) -> str:
    """Bootstrap text colour for a completeness or validity rate."""
    if value is None:
        return "text-body-secondary"
    return "text-success" if value >= 0.9 else "text-warning" if value >= 0.7 else "text-danger"
