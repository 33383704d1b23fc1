"""Export buttons of the list pages: ``/exports/<list>.<csv|xlsx>?<the page's filters>``.
A small list downloads at once; a large one runs in the background and its page shows a
progress bar, then the download link. Every rule is in :mod:`xinren.quality.exporting`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xinren.core.errors import error_items
from xinren.jobs.services import with_live_progress

from . import exporting
from .models import ExportRecord

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(prepared: exporting.Prepared, via: str):
    """The export as a download, recorded in the audit (page and API alike): xlsx written to
    a temporary file first, CSV streamed."""
    exporting.record(prepared, via)
    if prepared.fmt == "xlsx":
        return FileResponse(
            exporting.xlsx_file(prepared),
            as_attachment=True,
            filename=prepared.filename,
            content_type=XLSX_TYPE,
        )
    response = StreamingHttpResponse(exporting.stream_csv(prepared), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    return response


@login_required
def export(request, name: str, fmt: str):
    try:
        prepared = exporting.prepare(request.user, name, fmt, request.GET)
    except ValidationError as exc:
        message = "；".join(f"{e['field']}：{e['message']}" for e in error_items(exc))
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    if prepared.background:
        entry = exporting.start_background(prepared, request.GET, via="web")
        return redirect("web:export-run", pk=entry.pk)
    return file_response(prepared, "web")


def _entry(request, pk: int) -> ExportRecord:
    entry = (
        ExportRecord.objects.filter(pk=pk, created_by=request.user).select_related("job").first()
    )
    if entry is None or entry.job is None:
        raise Http404(_("导出记录不存在。"))
    entry.job = with_live_progress(entry.job)
    return entry


@login_required
def export_run(request, pk: int):
    """The page of a background export (htmx polls the ``_export_run.html`` part)."""
    entry = _entry(request, pk)
    context = {"entry": entry, "label": exporting.lists()[entry.list_name].label}
    if request.htmx:
        return render(request, "xinren/quality/_export_run.html", context)
    return render(request, "xinren/quality/export_run.html", context)


@login_required
def export_download(request, pk: int):
    try:
        path, filename = exporting.download(request.user, pk)
    except ExportRecord.DoesNotExist:
        raise Http404(_("导出文件不存在或尚未完成。")) from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
