"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

Layout of the 18 characters:
  1     registration authority (登记管理部门代码)
  2     organisation category within that authority (机构类别代码)
  3-8   administrative division of the registering authority (GB/T 2260)
  9-17  organisation code (主体标识码, GB 11714, its own check character last)
  18    check character over characters 1-17 (modulus 31)
The alphabet is the digits and the capital letters except I, O, Z, S, V.
"""

from __future__ import annotations

import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import compact

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28

# Registration authority -> the category codes it may issue (GB 32100-2015, table 1).
CATEGORIES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {
        "1": "外国旅游部门常驻代表机构",
        "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "9": "其他",
    },
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def normalize_uscc(value: str) -> str:
    """Upper case, full-width to half-width, spaces removed."""
    return compact(value)


def check_character(first17: str) -> str:
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check(first8: str) -> str:
    total = sum(
        ORG_CODE_ALPHABET.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def uscc_problem(code: str) -> tuple[str, str] | None:
    """``(rule, message)`` for the first thing wrong with a normalised code, or None."""
    if len(code) != 18:
        return "length", _("统一社会信用代码应为18位，实际为%(n)d位。") % {"n": len(code)}
    bad = sorted({c for c in code if c not in VALUE})
    if bad:
        return "charset", _("统一社会信用代码不能包含字符：%(c)s（不使用 I、O、Z、S、V）。") % {
            "c": " ".join(bad)
        }
    categories = CATEGORIES.get(code[0])
    if categories is None:
        return "authority", _("第1位登记管理部门代码“%(c)s”不存在。") % {"c": code[0]}
    if code[1] not in categories:
        return "category", _("第2位机构类别代码“%(c)s”不属于登记管理部门“%(a)s”。") % {
            "c": code[1],
            "a": code[0],
        }
    if not code[2:8].isdigit():
        return "region", _("第3至8位应为行政区划代码（6位数字）。")
    expected = check_character(code[:17])
    if code[17] != expected:
        return "check", _("校验码错误：第18位应为“%(e)s”，实际为“%(a)s”。") % {
            "e": expected,
            "a": code[17],
        }
    return None


def validate_uscc(value: str, field: str = "uscc") -> str:
    """Normalise and validate; return the normal form or raise a field-named error."""
    code = normalize_uscc(value)
    problem = uscc_problem(code)
    if problem:
        rule, message = problem
        raise ValidationError({field: [ValidationError(message, code=f"uscc_{rule}")]})
    return code


def is_valid_uscc(value: str) -> bool:
    return uscc_problem(normalize_uscc(value)) is None


def generate_uscc(
    rng: random.Random, region: str = "440300", authority: str = "9", category: str = "1"
) -> str:
    """A syntactically valid code (for demo data and tests; not a real company's)."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    org = body + org_code_check(body)
    first17 = authority + category + region + org
    return first17 + check_character(first17)
