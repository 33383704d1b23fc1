"""Code tables shipped as data: GB/T 2260 administrative divisions and GB/T 4754-2017
industries. Each CSV names its source in a leading ``# Source:`` comment line; every line
starting with ``#`` is a comment and is skipped by the loader.

Columns: ``code,name,name_en,level,parent``.

- Regions: level 1 province-level, level 2 prefecture-level (plus the code list's grouping
  entries 市辖区 / 县 / 省直辖县级行政区划), level 3 county-level (only where the table lists
  it); ``parent`` is the code one level up.
- Industries: level 1 section (门类, a letter), level 2 division (大类, two digits);
  ``parent`` of a division is its section."""

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


# Entries of the GB/T 2260 code list that group county-level units rather than name a place
# (110100 市辖区, 500200 县, 429000 省直辖县级行政区划 …); region labels leave them out.
GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

REGION_FILE = "gbt2260_regions.csv"
INDUSTRY_FILE = "gbt4754_2017_industries.csv"


def _data_lines(filename: str) -> list[str]:
    with open(DATA / filename, encoding="utf-8-sig") as fh:
        return fh.read().splitlines()


def source(filename: str) -> str:
    """The text of a data file's ``# Source:`` comment line ("" when it has none)."""
    for line in _data_lines(filename):
        if line.startswith("# Source:"):
            return line.removeprefix("# Source:").strip()
    return ""


def _load(filename: str) -> dict[str, Code]:
    rows: dict[str, Code] = {}
    lines = [ln for ln in _data_lines(filename) if ln.strip() and not ln.lstrip().startswith("#")]
    for row in csv.DictReader(lines):
        code = row["code"].strip()
        if code in rows:
            raise ValueError(f"{filename}: duplicate code {code}")
        rows[code] = Code(
            code,
            row["name"].strip(),
            (row.get("name_en") or "").strip(),
            int(row["level"]),
            (row.get("parent") or "").strip(),
        )
    return rows


@cache
def regions() -> dict[str, Code]:
    return _load(REGION_FILE)


@cache
def industries() -> dict[str, Code]:
    return _load(INDUSTRY_FILE)


def region_children(code: str) -> list[Code]:
    """The entries one level below a region code, in code order."""
    return [c for c in regions().values() if c.parent == code]


def region_path(code: str) -> list[Code]:
    """Province → city → county for a region code."""
    table, out = regions(), []
    while code and code in table:
        out.insert(0, table[code])
        code = table[code].parent
    return out


def region_label(code: str) -> str:
    """Path label, e.g. 广东省 深圳市 / "Shenzhen, Guangdong"; grouping entries such as 市辖区 are left out
    unless the code is the grouping entry itself ("北京市 市辖区")."""
    path = region_path(code)
    if not path:
        return code
    path = [c for c in path[:-1] if c.name not in GROUPING_NAMES] + path[-1:]
    lang = (get_language() or "zh-hans").lower()
    if lang.startswith("en"):
        return ", ".join(c.label() for c in reversed(path))
    return " ".join(c.label() for c in path)


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


def _refuse(message, code: str, value: str, field: str | None) -> None:
    error = ValidationError(message, code=code, params={"v": value})
    raise ValidationError({field: [error]}) if field else error


def validate_region_code(value: str, field: str | None = None) -> None:
    """Model-field validator (Django files the error under the field); called directly,
    pass ``field`` to get the error keyed by that field name."""
    if value and value not in regions():
        _refuse(_("“%(v)s”不是 GB/T 2260 行政区划代码。"), "region_code", value, field)


def validate_industry_code(value: str, field: str | None = None) -> None:
    if value and value not in industries():
        _refuse(_("“%(v)s”不是 GB/T 4754-2017 行业代码。"), "industry_code", value, field)
