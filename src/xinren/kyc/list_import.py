"""Reading a watch-list file (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030; Excel) into
checked rows: the header synonyms of the published lists, one rule per cell, duplicates
within the file found by the entry's identity (its USCC, else its normalised name).

Nothing here writes; :func:`xinren.kyc.services.import_list` applies the parsed rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xinren.core.tables import ImportFileError, map_headers, parse_date, read_table
from xinren.standards.names import name_key
from xinren.standards.uscc import normalize_uscc, uscc_problem

__all__ = ["Columns", "ImportFileError", "ParsedFile", "ParsedRow", "RowProblem", "parse_file"]

# canonical field → header names used by the published lists (Credit China, the courts'
# 失信被执行人 export, the market regulator's 经营异常名录) and plain English.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "被执行人名称", "被执行人", "名称", "单位名称", "主体名称", "市场主体名称",
             "失信被执行人名称", "当事人名称", "name", "company", "company_name"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "组织机构代码/统一社会信用代码", "uscc",
             "credit_code"),
    "reason": ("列入原因", "失信情形", "失信被执行人行为具体情形", "列入经营异常名录原因",
               "列入事由", "原因", "reason"),
    "authority": ("决定机关", "执行法院", "作出决定机关", "列入决定机关", "列入机关", "authority",
                  "court"),
    "listed_on": ("列入日期", "立案日期", "发布日期", "列入时间", "listed_on", "listed_date", "date"),
    "removed_on": ("移出日期", "移除日期", "removed_on", "removed_date"),
}  # fmt: skip


@dataclass
class RowProblem:
    row: int  # spreadsheet row number: the header is row 1
    column: str  # the file's own header text
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.column}：" if self.column else ""
        return f"第 {self.row} 行 {where}{self.message}（{self.rule}）"


@dataclass(frozen=True)
class ParsedRow:
    row: int
    uscc: str
    name: str
    name_key: str
    reason: str
    authority: str
    listed_on: dt.date | None
    removed_on: dt.date | None

    @property
    def identity(self) -> str:
        return identity(self.uscc, self.name_key)


def identity(uscc: str, key: str) -> str:
    """An entry's identity within its list: its USCC, else its normalised name."""
    return f"u:{uscc}" if uscc else f"n:{key}"


@dataclass
class ParsedFile:
    header: list[str]
    total: int = 0
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)  # reported, not errors
    # Identities named by rows that failed a rule: an entry still in the file (if badly
    # written) is not taken off the list when only the valid rows are imported.
    mentioned: set[str] = field(default_factory=set)

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


class Columns:
    """The file's columns by canonical field (header synonyms, first column wins); shared by
    every KYC import (watch lists, registry snapshots)."""

    def __init__(self, header: list[str], synonyms: dict[str, tuple[str, ...]]):
        self.header = header
        self.index = map_headers(header, synonyms)

    def __contains__(self, canonical: str) -> bool:
        return canonical in self.index

    def cell(self, row: list[str], canonical: str) -> str:
        i = self.index.get(canonical)
        return row[i].strip() if i is not None and i < len(row) else ""

    def name(self, canonical: str) -> str:
        """The file's own header text of a field ("" when the file has no such column)."""
        i = self.index.get(canonical)
        return self.header[i] if i is not None else ""


def _text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]  # as written: the registry name, brackets and all


def parse_file(content: bytes, filename: str) -> ParsedFile:
    """Every row checked; raises ``ImportFileError`` for a file that cannot be read at all."""
    header, rows = read_table(content, filename)
    columns = Columns(header, SYNONYMS)
    if "name" not in columns:
        raise ImportFileError(_("缺少必需的列：企业名称（也可写作 被执行人名称、名称）。"))
    if not rows:  # replacing a list by nothing is never what an import means
        raise ImportFileError(_("文件中没有名单条目（只有表头）。"))
    parsed = ParsedFile(header=header, total=len(rows))
    seen: dict[str, int] = {}
    cell, column = columns.cell, columns.name

    for n, row in enumerate(rows):
        row_no = n + 2
        problems: list[RowProblem] = []
        name = _text(cell(row, "name"), 200)
        if not name:
            problems.append(RowProblem(row_no, column("name"), "required", _("企业名称必填。")))
        raw_uscc = cell(row, "uscc")
        uscc = normalize_uscc(raw_uscc) if raw_uscc else ""
        if uscc:
            problem = uscc_problem(uscc)
            if problem:
                problems.append(
                    RowProblem(row_no, column("uscc"), f"uscc_{problem[0]}", problem[1])
                )
        dates: dict[str, dt.date | None] = {}
        for canonical in ("listed_on", "removed_on"):
            text = cell(row, canonical)
            dates[canonical] = None
            if text:
                try:
                    dates[canonical] = parse_date(text)
                except ValueError:
                    problems.append(
                        RowProblem(
                            row_no,
                            column(canonical),
                            "date",
                            _("日期格式应为 YYYY-MM-DD（如 2026-03-01）。"),
                        )
                    )
        key = name_key(name) if name else ""
        if problems:
            parsed.errors.extend(problems)
            if uscc:
                parsed.mentioned.add(identity(uscc, ""))
            if key:
                parsed.mentioned.add(identity("", key))
            continue
        item = ParsedRow(
            row=row_no,
            uscc=uscc,
            name=name,
            name_key=key,
            reason=_text(cell(row, "reason"), 500),
            authority=_text(cell(row, "authority"), 200),
            listed_on=dates["listed_on"],
            removed_on=dates["removed_on"],
        )
        first = seen.get(item.identity)
        if first is not None:
            column_name = column("uscc") if uscc else column("name")
            parsed.duplicates.append(
                RowProblem(
                    row_no,
                    column_name,
                    "duplicate",
                    _("与第 %(row)s 行是同一条目，已合并（保留第一行）。") % {"row": first},
                )
            )
            continue
        seen[item.identity] = row_no
        parsed.rows.append(item)
    return parsed
