"""Money as people read it: ``12,345.60`` (grouped by thousands, two decimals), whatever the
language's number format says (Chinese formats do not group)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
