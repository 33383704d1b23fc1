"""The one way Xinren writes a list to a spreadsheet: CSV (UTF-8 with BOM) or xlsx.

A list is described once (:class:`ExportList`: its columns, how it reads the request's filters,
and the scoped rows); these writers then turn the rows into a file. Nothing here knows a
customer or a contract: the domain packages describe their lists (``customers/exports.py``,
``sales/exports.py``, ``activities/exports.py``) and :mod:`xinren.quality.exporting` checks
the right, audits, and decides between streaming and a background job.

Formula injection: a text cell that starts with ``= + - @`` (or a tab or carriage return) is
prefixed with an apostrophe in both formats, and in xlsx every text cell is written as a
string cell, never as a formula. Numbers and dates are written as typed cells in xlsx.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
CSV_CHUNK_ROWS = 500

TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"


def safe_cell(value) -> str:
    """The text of a cell with a leading formula character neutralised (an apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Column:
    """One column: its header and how a row object becomes its value. ``kind`` says how the
    value is written: text (neutralised), number (Decimal/int), date or datetime."""

    label: Any  # a (lazy) translated string
    value: Callable[[Any], Any]
    kind: str = TEXT


@dataclass(frozen=True)
class ExportList:
    """A list page's export: ``columns(user)`` (masking closes over the user), ``parse``
    turns the request's parameters into filters (a field error for a bad one), and
    ``rows(user, filters)`` is the page's scoped, filtered, ordered queryset."""

    name: str
    label: Any
    columns: Callable[[Any], list[Column]]
    parse: Callable[[Any, Mapping[str, str]], dict]
    rows: Callable[[Any, dict], Any]
    chunk_size: int = 2000


def _plain(column: Column, raw):
    """The value as a Python object of the column's kind (None when empty)."""
    if raw is None or raw == "":
        return None
    if column.kind == NUMBER:
        return raw if isinstance(raw, int | decimal.Decimal | float) else decimal.Decimal(str(raw))
    if column.kind == DATETIME and isinstance(raw, dt.datetime):
        return timezone.localtime(raw).replace(tzinfo=None) if timezone.is_aware(raw) else raw
    if column.kind in (DATE, DATETIME):
        return raw
    return safe_cell(raw)


def csv_text(column: Column, raw) -> str:
    value = _plain(column, raw)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def header(columns: list[Column]) -> list[str]:
    return [safe_cell(c.label) for c in columns]


def text_rows(columns: list[Column], objects: Iterable) -> Iterator[list[str]]:
    for obj in objects:
        yield [csv_text(c, c.value(obj)) for c in columns]


def csv_chunks(
    columns: list[Column],
    objects: Iterable,
    on_row: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """CSV text in chunks, UTF-8 BOM first (Excel then opens Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header(columns))
    count = 0
    for count, row in enumerate(text_rows(columns, objects), 1):
        writer.writerow(row)
        if count % CSV_CHUNK_ROWS == 0:
            if on_row is not None:
                on_row(count)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if on_row is not None:
        on_row(count)
    yield buffer.getvalue()


def write_csv(
    columns: list[Column],
    objects: Iterable,
    path: Path,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write a CSV file; returns the number of data rows."""
    counted = [0]

    def seen(n: int) -> None:
        counted[0] = n
        if on_row is not None:
            on_row(n)

    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(columns, objects, on_row=seen):
            out.write(chunk)
    return counted[0]


def write_xlsx(
    columns: list[Column],
    objects: Iterable,
    path: Path,
    *,
    title: str = "Sheet1",
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write an xlsx file in openpyxl's write-only mode (rows go to a temporary file as they
    come: memory stays flat whatever the length). Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"

    def text_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
        cell.data_type = "s"
        return cell

    def typed(column: Column, raw):
        # Plain values are the fast path of the write-only sheet: after safe_cell a text never
        # starts with "=", so openpyxl writes it as a string cell (it does not guess numbers
        # from text); Decimal/int become number cells and dates date cells (yyyy-mm-dd).
        value = _plain(column, raw)
        if value is None:
            return None
        if column.kind == TEXT:
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            return text_cell(text) if text in ERROR_CODES else text  # "#N/A" stays text
        if column.kind == DATETIME and isinstance(value, dt.datetime):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd hh:mm"
            return cell
        return value

    sheet.append([text_cell(str(h)) for h in header(columns)])
    count = 0
    for count, obj in enumerate(objects, 1):
        sheet.append([typed(c, c.value(obj)) for c in columns])
        if on_row is not None and count % CSV_CHUNK_ROWS == 0:
            on_row(count)
    workbook.save(path)
    if on_row is not None:
        on_row(count)
    return count


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return (cleaned or "Sheet1")[:31]


def write(
    fmt: str,
    columns: list[Column],
    objects: Iterable,
    path: Path,
    *,
    title: str = "Sheet1",
    on_row: Callable[[int], None] | None = None,
) -> int:
    if fmt == "xlsx":
        return write_xlsx(columns, objects, path, title=title, on_row=on_row)
    return write_csv(columns, objects, path, on_row=on_row)


# --- reading a list's filters from request parameters (one rule each, named in the error) ---
def id_param(data: Mapping[str, str], name: str) -> int | None:
    from django.utils.translation import gettext as _

    from .errors import field_error

    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise field_error(name, _("%(field)s 必须是正整数。") % {"field": name}, "integer")
    return int(raw)


def choice_param(data: Mapping[str, str], name: str, choices) -> str:
    from django.utils.translation import gettext as _

    from .errors import field_error

    raw = (data.get(name) or "").strip()
    if raw and raw not in choices:
        raise field_error(
            name,
            _("%(field)s 无效，可选：%(choices)s。")
            % {"field": name, "choices": "、".join(choices)},
            "choice",
        )
    return raw


def date_param(data: Mapping[str, str], name: str) -> dt.date | None:
    from django.utils.translation import gettext as _

    from .errors import field_error

    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise field_error(
            name, _("%(field)s 必须是日期，格式为 YYYY-MM-DD。") % {"field": name}, "date"
        ) from None


def choice_labels(choices) -> Callable[[Any], str]:
    """``value → label`` of a TextChoices, translated once per export (a model's
    ``get_FOO_display`` hashes every lazy label on each call: most of a long export's time)."""
    labels = {value: str(label) for value, label in choices.choices}
    return lambda value: labels.get(value, value or "")
