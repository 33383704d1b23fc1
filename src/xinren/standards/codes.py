"""Code tables shipped as data: GB/T 2260 administrative divisions and GB/T 4754-2017
industries. Each CSV names its source in a leading ``#`` comment line."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    name_en: str
    level: int
    parent: str

    def label(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name


def _load(filename: str) -> dict[str, Code]:
    rows: dict[str, Code] = {}
    with open(DATA / filename, encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        for row in csv.DictReader(lines):
            rows[row["code"]] = Code(
                row["code"],
                row["name"],
                row.get("name_en", "") or "",
                int(row["level"]),
                row.get("parent", "") or "",
            )
    return rows


@cache
def regions() -> dict[str, Code]:
    return _load("gbt2260_regions.csv")


@cache
def industries() -> dict[str, Code]:
    return _load("gbt4754_2017_industries.csv")


def region_path(code: str) -> list[Code]:
    """Province → city → county for a region code."""
    table, out = regions(), []
    while code and code in table:
        out.insert(0, table[code])
        code = table[code].parent
    return out


def region_label(code: str) -> str:
    return " ".join(c.label() for c in region_path(code)) or code


def industry_label(code: str) -> str:
    item = industries().get(code)
    return f"{code} {item.label()}" if item else code


def region_choices(level: int | None = None) -> list[tuple[str, str]]:
    return [
        (c.code, region_label(c.code))
        for c in regions().values()
        if level is None or c.level == level
    ]


def industry_choices(level: int | None = None) -> list[tuple[str, str]]:
    return [
        (c.code, industry_label(c.code))
        for c in industries().values()
        if level is None or c.level == level
    ]


def validate_region_code(value: str) -> None:
    if value and value not in regions():
        raise ValidationError(
            _("“%(v)s”不是 GB/T 2260 行政区划代码。"), code="region_code", params={"v": value}
        )


def validate_industry_code(value: str) -> None:
    if value and value not in industries():
        raise ValidationError(
            _("“%(v)s”不是 GB/T 4754-2017 行业代码。"), code="industry_code", params={"v": value}
        )
