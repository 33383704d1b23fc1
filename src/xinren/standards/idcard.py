"""Resident identity card number (居民身份证号码), GB 11643-1999: 6-digit address code,
8-digit birth date, 3-digit sequence, 1 check character (ISO 7064 MOD 11-2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import compact

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_problem(code: str) -> tuple[str, str] | None:
    if len(code) != 18:
        return "length", _("身份证号码应为18位，实际为%(n)d位。") % {"n": len(code)}
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        return "charset", _("身份证号码前17位应为数字，最后一位为数字或X。")
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return "birth_date", _("身份证号码中的出生日期无效。")
    if born.year < 1900 or born > dt.date.today():
        return "birth_date", _("身份证号码中的出生日期无效。")
    expected = id_check_character(code[:17])
    if code[17] != expected:
        return "check", _("身份证号码校验位错误：应为“%(e)s”。") % {"e": expected}
    return None


def validate_id_number(value: str, field: str = "id_number") -> str:
    code = compact(value)
    problem = id_problem(code)
    if problem:
        rule, message = problem
        raise ValidationError({field: [ValidationError(message, code=f"id_{rule}")]})
    return code


def mask_id_number(code: str) -> str:
    if not code:
        return ""
    return code[:6] + "*" * max(len(code) - 10, 0) + code[-4:]
