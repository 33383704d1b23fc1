"""Quality jobs run in the background worker (``xinren.jobs.services.submit``); the periodic
data-quality refresh lives in :mod:`.measures.tasks` and is imported here so the worker's
tasks autodiscovery finds it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from xinren.core.tables import stash_dir
from xinren.orgs.models import User

from . import imports, services_dedupe
from .measures.tasks import daily_quality_refresh, quality_refresh  # noqa: F401
from .models import DedupeRun


def detect_duplicates(
    *,
    run_id: int,
    actor_id: int,
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Batch duplicate detection for a recorded run (started by
    :func:`.services_dedupe.start_detection`); the summary becomes the job's result."""
    actor = User.objects.select_related("role", "org_unit").get(pk=actor_id)
    run = DedupeRun.objects.get(pk=run_id)
    with translation.override(language):
        run = services_dedupe.run_detection(actor=actor, run=run, on_progress=on_progress)
        message = _(
            "比较了 %(companies)s 家企业，发现 %(found)s 对疑似重复，新增 %(new)s 对待审。"
        ) % {
            "companies": run.companies,
            "found": run.pairs_found,
            "new": run.pairs_new,
        }
    return {
        "run_id": run.pk,
        "companies": run.companies,
        "pairs_found": run.pairs_found,
        "pairs_new": run.pairs_new,
        "message": message,
    }


MAX_ERRORS_KEPT = 200  # row errors kept with the job for the page; the report has them all


def import_message(result: imports.ImportResult) -> str:
    """The one line a page or the CLI shows for a finished import."""
    counts = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "failed": result.failed_rows,
    }
    line = (
        _(
            "新建 %(created)s 家，更新 %(updated)s 家，无变化 %(unchanged)s 家，"
            "已存在跳过 %(skipped)s 家，有错误 %(failed)s 行。"
        )
        % counts
    )
    if result.dry_run:
        return _("检查完成（未写入）：") + line
    if result.applied:
        return _("已导入：") + line
    if result.errors and result.mode == "all":
        return _("没有导入任何数据（“全部或全不”方式下有错误行）：") + line
    return _("没有需要写入的变化：") + line


def import_customers(
    *,
    actor_id: int,
    path: str,
    filename: str,
    mode: str = "all",
    on_match: str = "update",
    mapping: dict[str, str] | None = None,
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Import a stashed customer file as ``actor``; the summary becomes the job's result
    (with the row report saved beside the upload for download) and its message the line the
    page shows when done."""
    actor = User.objects.select_related("role", "org_unit").get(pk=actor_id)
    with translation.override(language):
        try:
            result = imports.run_import(
                actor=actor, content=Path(path).read_bytes(), filename=filename, mode=mode,
                on_match=on_match, mapping=mapping, on_progress=on_progress,
            )  # fmt: skip
        except imports.ImportFileError as exc:
            return {"applied": False, "message": str(exc), "errors": []}
        report = Path(path).name + ".report.xlsx"
        (stash_dir() / report).write_bytes(imports.report_xlsx_bytes(result))
        return {
            **result.summary(),
            "report": report,
            "message": import_message(result),
            "errors": [str(e) for e in result.errors[:MAX_ERRORS_KEPT]],
        }
