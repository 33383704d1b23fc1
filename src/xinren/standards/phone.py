"""Mainland China telephone formats.

- Mobile: 11 digits, ``1[3-9]xxxxxxxxx``; a leading +86 / 0086 / 86 is dropped.
- Landline: area code (0 + 2 or 3 digits) and a 7- or 8-digit number, optional extension:
  stored as ``0755-12345678`` or ``0755-12345678-801``.
- Service numbers: ``400-xxx-xxxx`` / ``800-xxx-xxxx``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import to_halfwidth

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x are three digits (Beijing, the largest cities); all others four.
LANDLINE = re.compile(
    r"^(010|02\d|0[3-9]\d{2})-?([1-9]\d{6,7})(?:(?:-|转|ext\.?|x)(\d{1,6}))?$", re.IGNORECASE
)
SERVICE = re.compile(r"^([48]00)-?(\d{3})-?(\d{4})$")


def _strip(value: str) -> str:
    value = to_halfwidth(value or "").strip()
    value = re.sub(r"[\s()（）]", "", value)
    value = re.sub(r"^(\+86|0086)-?", "", value)
    if re.fullmatch(r"861[3-9]\d{9}", value):
        value = value[2:]
    return value


def normalize_phone(value: str, field: str = "phone") -> str:
    """The normal form of a mobile, landline or 400/800 number, or a field-named error."""
    raw = _strip(value)
    digits_only = raw.replace("-", "")
    if MOBILE.match(digits_only):
        return digits_only
    m = SERVICE.match(raw)
    if m:
        return "-".join(m.groups())
    m = LANDLINE.match(raw)
    if m:
        area, number, ext = m.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    if digits_only.isdigit() and digits_only.startswith("1"):
        message = _("手机号码应为11位数字，以13–19开头。")
        rule = "mobile_format"
    else:
        message = _("电话号码格式不正确：手机为11位数字，座机为“区号-号码”（如 0755-12345678）。")
        rule = "phone_format"
    raise ValidationError({field: [ValidationError(message, code=rule)]})


def is_mobile(value: str) -> bool:
    return bool(MOBILE.match(value or ""))


def phone_digits(value: str) -> str:
    """Digits only, for search ("13812345678", "075512345678")."""
    return re.sub(r"\D", "", value or "")


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if MOBILE.match(value):
        return value[:3] + "****" + value[-4:]
    # Landlines keep the area code and the last four digits: 0755-****5678
    return re.sub(r"\d(?=\d{4})", "*", value)
