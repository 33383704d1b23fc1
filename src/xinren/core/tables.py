"""Reading spreadsheets and CSV files for imports, and writing their row reports.

Shared by every import (``xinren.sales.imports`` for orders and receipts,
``xinren.quality.imports`` for customers): it lives in ``core`` because both domain packages
import downward only and neither owns the other's files. What is here knows nothing of any
model:

- :func:`read_table` — CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, sniffed; mixed encodings
  refused) or a spreadsheet (``.xlsx``/``.xls``/``.ods`` through python-calamine: formulas
  give their cached values, dates come as dates, merged cells are filled), with guards against
  hostile files (size, zip bombs, too many columns or rows, giant cells);
- :func:`norm_header` and :func:`map_headers` — header synonyms to canonical fields;
- :func:`clean_money`, :func:`parse_capital`, :func:`parse_date` (also Excel serial numbers) — value cleaners;
- :class:`RowError`, :class:`TableResult` and the report writers (xlsx/CSV with an error
  column, formula-safe: a cell starting with ``= + - @`` stays text);
- :func:`stash_dir` and :func:`remove_stale_uploads` — uploads kept between check and import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .exports import safe_cell  # the one formula-neutralising rule, shared with exports

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 256
MAX_CELL = 32_767  # Excel's own limit for one cell's text
# Zip bomb guard: what an .xlsx may declare it inflates to, in total and per byte stored.
MAX_UNZIPPED = 400 * 1024 * 1024
MAX_RATIO = 200
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (format, encoding, size, missing columns)."""


@dataclass
class RowError:
    row: int  # spreadsheet row number: the header is row 1
    column: str  # the file's own header text ("" when the row as a whole is wrong)
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.column}：" if self.column else ""
        return f"第 {self.row} 行 {where}{self.message}（{self.rule}）"


@dataclass
class TableResult:
    """The rows read from a file and what went wrong with them."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    first_row: int = 2  # spreadsheet number of rows[0]

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})

    def errors_by_row(self) -> dict[int, list[RowError]]:
        out: dict[int, list[RowError]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e)
        return out


# --- reading files ----------------------------------------------------------------------------
def norm_header(text: str) -> str:
    """A header as compared with synonyms: half-width, lower case, without spaces, ``*``
    required markers, separators or parenthesised notes (``电话（座机）`` → ``电话``)."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[\s*_\-:：]", "", text)


def decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312). A file whose
    lines mix UTF-8 and GBK is refused, naming the first line in the other encoding: decoding
    it either way would store garbled names."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf8_line = 0
    for number, line in enumerate(content.split(b"\n"), start=1):
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        utf8_line = number
        break
    if utf8_line:
        raise ImportFileError(
            _(
                "文件混用了多种编码（第 %(n)s 行是 UTF-8，其他行不是）：请统一保存为 UTF-8 后再导入。"
            )
            % {"n": utf8_line}
        )
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV，或 Excel 文件。")
        ) from None


def _cell(value) -> str:
    """A spreadsheet cell as text. Numbers come from Excel as floats: shown by their shortest
    decimal form (``1234.5``), never used as a float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def check_zip(content: bytes) -> None:
    """Refuse a zip (xlsx) that declares it inflates to more than :data:`MAX_UNZIPPED`, or a
    member packed more than :data:`MAX_RATIO` to one: read before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(_("文件已损坏或不是 Excel 文件（无法打开压缩包）。")) from None
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size / packed > MAX_RATIO:
            raise ImportFileError(
                _("文件异常：其中的内容解压后比原文件大数百倍以上（疑似压缩炸弹），已拒绝。")
            )
    if total > MAX_UNZIPPED:
        raise ImportFileError(
            _("文件异常：解压后超过 %(mb)s MB（疑似压缩炸弹），已拒绝。")
            % {"mb": MAX_UNZIPPED // (1024 * 1024)}
        )


def _fill_merged(sheet, raw: list[list]) -> None:
    """Copy a merged range's value into every cell it covers (calamine gives it to the
    top-left cell only): a rep's name merged over ten rows belongs to each of them."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - not every format reports merges
        return
    top, left = sheet.start or (0, 0)
    for (r1, c1), (r2, c2) in ranges:
        r1, r2, c1, c2 = r1 - top, r2 - top, c1 - left, c2 - left
        if not (0 <= r1 < len(raw)) or c1 < 0:
            continue
        value = raw[r1][c1] if c1 < len(raw[r1]) else None
        for r in range(r1, min(r2, len(raw) - 1) + 1):
            row = raw[r]
            for c in range(c1, c2 + 1):
                if c < len(row) and (r, c) != (r1, c1):
                    row[c] = value


def read_table(
    content: bytes, filename: str, *, fill_merged: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Header and data rows (text) of a CSV or spreadsheet; blank rows dropped."""
    table = read_rows(content, filename, fill_merged=fill_merged)
    header, rows = table[0], table[1:]
    return header, rows


def read_rows(content: bytes, filename: str, *, fill_merged: bool = False) -> list[list[str]]:
    """Every non-blank row (text) of a CSV or spreadsheet's first sheet, checked against the
    limits; raises :class:`ImportFileError` with a message for the user."""
    if not content:
        raise ImportFileError(_("文件是空的。"))
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("文件过大（上限 20 MB）。"))
    name = (filename or "").lower()
    is_zip = content[:4] == ZIP_MAGIC
    is_ole = content[:8] == OLE_MAGIC
    if name.endswith(EXCEL_SUFFIXES) or is_zip or is_ole:
        if name.endswith((".xlsx", ".xlsm", ".ods")) and not is_zip:
            raise ImportFileError(
                _("文件内容不是 Excel 工作簿（扩展名是 %(ext)s，内容不是）。")
                % {"ext": name.rsplit(".", 1)[-1]}
            )
        if is_zip:
            check_zip(content)
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheet = book.get_sheet_by_index(0)
            if sheet.total_width > MAX_COLUMNS:
                raise ImportFileError(
                    _("列数过多：%(n)s 列（上限 %(max)s 列）。")
                    % {"n": sheet.total_width, "max": MAX_COLUMNS}
                )
            if sheet.total_height > MAX_ROWS + 50:
                raise ImportFileError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
            raw = sheet.to_python(skip_empty_area=False)
            if fill_merged:
                _fill_merged(sheet, raw)
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
            raise ImportFileError(
                _("无法读取 Excel 文件：%(err)s") % {"err": str(exc)[:200]}
            ) from None
        table = [[_cell(v) for v in row] for row in raw]
    else:
        text = decode_csv(content)
        if "\x00" in text:
            raise ImportFileError(_("文件不是文本 CSV，也不是 Excel 文件。"))
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        csv.field_size_limit(MAX_BYTES)
        try:
            table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
        except csv.Error as exc:
            raise ImportFileError(_("CSV 格式错误：%(err)s") % {"err": str(exc)[:200]}) from None
    table = [row for row in table if any(c for c in row)]
    if not table:
        raise ImportFileError(_("文件是空的。"))
    width = max(len(row) for row in table)
    if width > MAX_COLUMNS:
        raise ImportFileError(
            _("列数过多：%(n)s 列（上限 %(max)s 列）。") % {"n": width, "max": MAX_COLUMNS}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
    for r, row in enumerate(table, start=1):
        for c, value in enumerate(row):
            if len(value) > MAX_CELL:
                raise ImportFileError(
                    _("第 %(row)s 行第 %(col)s 列的内容过长（%(n)s 个字符，上限 %(max)s）。")
                    % {"row": r, "col": c + 1, "n": len(value), "max": MAX_CELL}
                )
    return table


def map_headers(header: list[str], synonyms: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """canonical field → column index, by header synonyms (first column wins)."""
    lookup: dict[str, str] = {}
    for canonical, names in synonyms.items():
        lookup.setdefault(norm_header(canonical), canonical)
        for name in names:
            lookup.setdefault(norm_header(name), canonical)
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        canonical = lookup.get(norm_header(name))
        if canonical and canonical not in columns:
            columns[canonical] = i
    return columns


# --- values -----------------------------------------------------------------------------------
def clean_money(text: str) -> str:
    """``¥1,234.50``, ``１２３４.５ 元`` → ``1234.50`` (still text: the money rule checks it)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    return re.sub(r"[¥￥$,\s]|元|人民币|RMB", "", text, flags=re.IGNORECASE)


def parse_capital(text: str) -> Decimal:
    """A registered capital in yuan: ``500万``, ``500 万元``, ``500万元人民币``, ``¥5,000,000``
    → ``Decimal`` (two places). Raises ``InvalidOperation`` for anything else (another
    currency, words)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    factor = Decimal(1)
    if "万" in text:
        factor, text = Decimal(10_000), text.replace("万", "")
    value = Decimal(clean_money(text))
    if not value.is_finite():
        raise InvalidOperation(text)
    return (value * factor).quantize(Decimal("0.01"))


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(text: str) -> dt.date:
    """``2024-03-01``, ``2024/3/1``, ``2024年3月1日``, ``20240301``, or an Excel serial
    number (a date column formatted as a number: ``45352`` → 2024-03-01)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    m = _DATE.match(text)
    if m is None and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        serial = re.fullmatch(r"(\d{5})(?:\.\d+)?", text)
        if serial:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial[1]))
        raise ValueError(text)
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


# --- the row report ---------------------------------------------------------------------------
REPORT_ROW = "行号"
REPORT_ERRORS = "错误"


def report_rows(result: TableResult, extra: dict[int, str] | None = None) -> list[list[str]]:
    """Every row of the file with its row number first and an error column last (``extra``:
    a status per row number, shown before the errors)."""
    by_row = result.errors_by_row()
    head = [REPORT_ROW, *result.header]
    if extra is not None:
        head.append(_("结果"))
    out = [[*head, REPORT_ERRORS]]
    width = len(result.header)
    for i, row in enumerate(result.rows):
        row_no = i + result.first_row
        cells = (row + [""] * width)[:width]
        problems = "；".join(
            f"{e.column or '—'}：{e.message}（{e.rule}）" for e in by_row.get(row_no, [])
        )
        status = [extra.get(row_no, "")] if extra is not None else []
        out.append([str(row_no), *cells, *status, problems])
    return out


def report_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def report_xlsx(rows: list[list[str]], title: str = "导入报告") -> bytes:
    """The report as a workbook; rows with an error (last column) are shaded. Every value is
    written as text through :func:`safe_cell`, so no cell of an uploaded file becomes a live
    formula in the report."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = title
    red = PatternFill("solid", fgColor="FDE2E1")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = safe_cell(value)
            cell.data_type = "s"
            if r == 1:
                cell.font = Font(bold=True)
        if r > 1 and row[-1]:
            for c in range(1, len(row) + 1):
                sheet.cell(row=r, column=c).fill = red
    sheet.column_dimensions["A"].width = 6
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- uploads kept between "check" and "import" ------------------------------------------------
# A day is plenty for that, after which the customer data an upload holds should not linger.
KEEP_UPLOADS = timedelta(days=1)


def stash_dir() -> Path:
    """Where import pages keep uploaded files (MEDIA_ROOT/imports)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def remove_stale_uploads(now: float | None = None) -> int:
    """Delete stashed import uploads last written more than a day ago; returns how many.
    (Run by ``xinren.jobs.tasks.housekeeping``.)"""
    return remove_files_older_than(stash_dir(), KEEP_UPLOADS, now)


def remove_files_older_than(folder: Path, age: timedelta, now: float | None = None) -> int:
    """Delete the plain files in ``folder`` last written more than ``age`` ago (not links,
    not sub-folders); returns how many. Safe to run from two workers at once."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - age.total_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (a second worker): fine
            continue
    return removed
