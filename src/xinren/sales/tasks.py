"""Sales jobs run in the background worker (``xinren.jobs.services.submit``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from xinren.core.tables import (  # noqa: F401 - the housekeeping job calls them from here
    remove_stale_uploads,
    stash_dir,
)
from xinren.orgs.models import User

from . import imports

MAX_ERRORS_KEPT = 200  # row errors kept with the job for the page; the report has them all


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
