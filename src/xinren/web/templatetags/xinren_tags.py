"""Template helpers for labels of codes and of history entries."""

from __future__ import annotations

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from xinren.standards.codes import industry_label, region_label

register = template.Library()

_HIDDEN = "***"


@register.filter
def region(code: str) -> str:
    return region_label(code) if code else "—"


@register.filter
def industry(code: str) -> str:
    return industry_label(code) if code else "—"


def _model(entity: str):
    try:
        return apps.get_model(entity)
    except (LookupError, ValueError):
        return None


@register.filter
def entity_label(entity: str) -> str:
    model = _model(entity)
    return str(model._meta.verbose_name) if model else entity


@register.simple_tag
def field_label(entity: str, name: str) -> str:
    """The verbose name of a recorded field (history keeps attnames such as ``owner_id``)."""
    model = _model(entity)
    if model is None:
        return name
    if name == "service_team":
        return _("服务团队")
    for candidate in (name, name.removesuffix("_id")):
        try:
            return str(model._meta.get_field(candidate).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


@register.simple_tag(takes_context=True)
def change_value(context, entity: str, name: str, value) -> str:
    """A recorded value as this user may see it: sensitive values stay masked."""
    from xinren.customers.presenters import (
        SENSITIVE_COMPANY_FIELDS,
        SENSITIVE_CONTACT_FIELDS,
        sees_sensitive,
    )

    if value in (None, ""):
        return "—"
    maskers = {
        "customers.company": SENSITIVE_COMPANY_FIELDS,
        "customers.contact": SENSITIVE_CONTACT_FIELDS,
    }.get(entity, {})
    user = context.get("user")
    if name in maskers and user is not None and not sees_sensitive(user):
        return maskers[name](str(value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    model = _model(entity)
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
    if name == "region_code":
        return region_label(str(value))
    if name == "industry_code":
        return industry_label(str(value))
    return str(value)


@register.filter
def localized_name(obj) -> str:
    """``name_en`` when the page is in English and there is one, else ``name``."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name
