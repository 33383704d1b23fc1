"""Exporting a list: the registry of exportable lists and the one service every way in (page,
API, CLI, background job) goes through.

:func:`prepare` checks the list and the format, the export right (PermissionDenied) and the
filters (a field error naming the field and the rule), and reads the rows through the list's
scoped selector. Then either the rows are written now (:func:`stream_csv`, :func:`xlsx_file`,
:func:`write_file`) or, past :data:`BACKGROUND_ROWS`, in the background
(:func:`start_background`). Every export is recorded (:class:`ExportRecord`: who, which list,
which filters, how many rows, which way).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.core import exports as engine
from xinren.core.errors import field_error
from xinren.core.tables import remove_files_older_than
from xinren.customers.exports import require_export
from xinren.orgs.models import User

from .models import ExportRecord

# Past this many rows the page runs the export as a background job with a progress bar.
BACKGROUND_ROWS = 5000


def lists() -> dict[str, engine.ExportList]:
    """Every exportable list by name, in the order the CLI's help shows them."""
    from xinren.activities.exports import INTERACTIONS
    from xinren.customers.exports import CONTACTS, CUSTOMERS
    from xinren.kyc.exports import APPLICATIONS
    from xinren.risk.exports import RISK
    from xinren.sales.exports import CONTRACTS, MILESTONES, ORDERS, RECEIPTS

    return {
        spec.name: spec
        for spec in (
            CUSTOMERS,
            CONTACTS,
            CONTRACTS,
            ORDERS,
            MILESTONES,
            RECEIPTS,
            INTERACTIONS,
            RISK,
            APPLICATIONS,
        )
    }


def export_list(name: str) -> engine.ExportList:
    known = lists()
    if name not in known:
        raise field_error(
            "list",
            _("没有名为“%(name)s”的列表，可导出：%(lists)s。")
            % {"name": name, "lists": "、".join(known)},
            "unknown_list",
        )
    return known[name]


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "csv").strip().lower()
    if fmt not in engine.FORMATS:
        raise field_error(
            "format",
            _("导出格式无效，可选：%(choices)s。") % {"choices": "、".join(engine.FORMATS)},
            "choice",
        )
    return fmt


@dataclass
class Prepared:
    spec: engine.ExportList
    user: User
    fmt: str
    params: dict
    queryset: Any
    count: int

    @property
    def columns(self) -> list[engine.Column]:
        return self.spec.columns(self.user)

    def objects(self) -> Iterator:
        return self.queryset.iterator(chunk_size=self.spec.chunk_size)

    @property
    def filename(self) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"xinren-{self.spec.name}-{stamp}.{self.fmt}"

    @property
    def background(self) -> bool:
        return self.count > BACKGROUND_ROWS


def prepare(user: User, name: str, fmt: str | None, data: Mapping[str, str]) -> Prepared:
    """Everything checked, nothing written: the list, the format, the right, the filters."""
    spec = export_list(name)
    fmt = check_format(fmt)
    require_export(user)
    params = spec.parse(user, data)
    queryset = spec.rows(user, params)
    return Prepared(spec, user, fmt, params, queryset, queryset.count())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, "", False)}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record(
    prepared: Prepared, via: str, *, rows: int | None = None, file: str = ""
) -> ExportRecord:
    """The audit entry of an export (written when it starts; a job updates the row count)."""
    user = prepared.user
    return ExportRecord.objects.create(
        created_by=user,
        actor_name=(getattr(user, "full_name", "") or user.get_username())[:150],
        list_name=prepared.spec.name,
        format=prepared.fmt,
        filters=_plain(prepared.params),
        rows=prepared.count if rows is None else rows,
        via=via,
        file=file,
    )


# --- writing now ------------------------------------------------------------------------------
def stream_csv(prepared: Prepared) -> Iterator[str]:
    return engine.csv_chunks(prepared.columns, prepared.objects())


def xlsx_file(prepared: Prepared):
    """The xlsx in an anonymous temporary file (gone when closed), positioned at its start."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    try:
        engine.write_xlsx(prepared.columns, prepared.objects(), out, title=str(prepared.spec.label))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def write_file(prepared: Prepared, path: Path, on_row: Callable[[int], None] | None = None) -> int:
    return engine.write(
        prepared.fmt,
        prepared.columns,
        prepared.objects(),
        path,
        title=str(prepared.spec.label),
        on_row=on_row,
    )


# --- in the background ------------------------------------------------------------------------
# A background export's file is kept this long for its download link; customer data should
# not linger on disk after that.
KEEP_FILES = dt.timedelta(days=1)


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def remove_stale_files(now: float | None = None) -> int:
    """Delete export files written more than :data:`KEEP_FILES` ago (each background export
    runs this first); returns how many."""
    return remove_files_older_than(export_dir(), KEEP_FILES, now)


def start_background(prepared: Prepared, data: Mapping[str, str], via: str = "web"):
    """Record the export and run it as a job; returns the record (its ``job`` set)."""
    from xinren.jobs.services import submit

    entry = record(prepared, via)
    job = submit(
        "export",
        prepared.user,
        "xinren.quality.exporting.run_export",
        record_id=entry.pk,
        data={k: v for k, v in data.items() if isinstance(v, str)},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    ExportRecord.objects.filter(pk=entry.pk).update(job=job)
    entry.refresh_from_db()
    return entry


def run_export(
    *, record_id: int, data: dict, language: str, on_progress: Callable[..., None] | None = None
) -> dict:
    """The job: re-check the right and the scope as they are now, write the file, count."""
    entry = ExportRecord.objects.select_related("created_by").get(pk=record_id)
    remove_stale_files()
    with translation.override(language):
        prepared = prepare(entry.created_by, entry.list_name, entry.format, data)
        folder = export_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}.{prepared.fmt}"
        total = prepared.count

        def on_row(done: int) -> None:
            if on_progress is not None:
                on_progress(done, total)

        rows = write_file(prepared, path, on_row=on_row)
        ExportRecord.objects.filter(pk=record_id).update(rows=rows, file=path.name)
        return {
            "rows": rows,
            "record": record_id,
            "message": _("已导出 %(rows)s 行。") % {"rows": rows},
        }


def download(user: User, record_id: int) -> tuple[Path, str]:
    """The finished file of an export the user started, and its download name; otherwise
    ``ExportRecord.DoesNotExist`` (someone else's export does not exist for them)."""
    entry = ExportRecord.objects.get(pk=record_id, created_by=user)
    path = export_dir() / entry.file if entry.file else None
    if path is None or not path.is_file():
        raise ExportRecord.DoesNotExist(record_id)
    stamp = timezone.localtime(entry.created_at).strftime("%Y%m%d-%H%M")
    return path, f"xinren-{entry.list_name}-{stamp}.{entry.format}"
