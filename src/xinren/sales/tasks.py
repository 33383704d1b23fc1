"""Sales jobs run in the background worker (``xinren.jobs.services.submit``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from xinren.orgs.models import User

from . import imports

MAX_ERRORS_KEPT = 200
# An upload is stashed between "check" and "import" (and for the report download); a day is
# plenty for that, after which the customer data it holds should not linger on disk.
KEEP_UPLOADS = timedelta(days=1)


def stash_dir() -> Path:
    """Where the import page keeps uploaded files (MEDIA_ROOT/imports)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def remove_stale_uploads(now: float | None = None) -> int:
    """Delete stashed import uploads last written more than a day ago; returns how many.
    (Run by ``xinren.jobs.tasks.housekeeping``.)"""
    folder = stash_dir()
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - KEEP_UPLOADS.total_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (a second worker): fine
            continue
    return removed  # row errors kept with the job for the page; the report has them all


def import_file(
    *,
    actor_id: int,
    path: str,
    filename: str,
    kind: str,
    mode: str,
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Import an uploaded (stashed) file as ``actor``, reporting progress row by row; the
    summary becomes the job's result and its message the line the page shows when done."""
    actor = User.objects.select_related("role", "org_unit").get(pk=actor_id)
    with translation.override(language):
        try:
            result = imports.run_import(
                actor=actor, kind=kind, content=Path(path).read_bytes(), filename=filename,
                mode=mode, on_progress=on_progress,
            )  # fmt: skip
        except imports.ImportFileError as exc:
            return {"applied": False, "message": str(exc), "errors": []}
        if result.applied:
            message = _("已导入 %(created)s 行，跳过已存在的 %(skipped)s 行。") % {
                "created": result.created,
                "skipped": result.skipped,
            }
            if result.errors:
                message += " " + _("%(count)s 行有错误未导入。") % {"count": result.failed_rows}
        else:
            message = (
                _("没有导入任何数据。")
                + " "
                + _("%(count)s 行有错误。") % {"count": result.failed_rows}
            )
        return {
            "applied": result.applied,
            "created": result.created,
            "skipped": result.skipped,
            "failed_rows": result.failed_rows,
            "message": message,
            "errors": [str(e) for e in result.errors[:MAX_ERRORS_KEPT]],
        }
