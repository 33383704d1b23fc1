"""Watch-list jobs run in the background worker (``xinren.jobs.services.submit``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinren.orgs.models import User

from . import certification, screening
from .models import ScreeningTrigger


def rescreen(
    *,
    actor_id: int | None = None,
    trigger: str = ScreeningTrigger.LIST_IMPORT,
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Screen the whole master again (after a list import, or daily) and alert on the new
    hits; the run is recorded with ``trigger`` and the actor. The summary becomes the job's
    result and its message the line the page shows when done."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    with translation.override(language):
        result = screening.screen_all(on_progress=on_progress, trigger=trigger, actor=actor)
        alerts = screening.notify_new_hits(result.new_hit_ids)
        message = (
            _("筛查完成：当前匹配 %(matches)s 个，新命中 %(new)s 个，已解除 %(closed)s 个。")
            % result.as_dict()
        )
        return {**result.as_dict(), "alerts": alerts, "message": message}


@db_periodic_task(crontab(hour="2", minute="40"))
@lock_task("kyc-rescreen")
def daily_rescreen() -> dict:
    """Daily: companies created, renamed or re-coded since the last import are screened too
    (a customer that lands on a list raises an alert within a day)."""
    return rescreen(trigger=ScreeningTrigger.DAILY, language=settings.LANGUAGE_CODE)


@db_periodic_task(crontab(hour="7", minute="10"))
@lock_task("kyc-certificate-reminders")
def daily_certificate_reminders() -> int:
    """Daily: owners are reminded of certificates expiring within 30 days, once each."""
    return certification.remind_expiring()


def import_registry_file(
    *,
    actor_id: int,
    path: str,
    filename: str,
    source: str,
    as_of: str,
    mode: str = "all",
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Import a registry snapshot saved by :func:`.registry_import.start_registry_import` as
    ``actor``; the report (:func:`.registry_import.report_result`) becomes the job's result.
    The saved file is removed when the job ends, whatever the outcome."""
    import datetime as dt
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from xinren.core.errors import error_items
    from xinren.orgs.models import User

    from . import registry_import

    file = Path(path)
    try:
        actor = User.objects.select_related("role", "org_unit").get(pk=actor_id)
        with translation.override(language):
            try:
                report = registry_import.import_registry(
                    actor=actor, content=file.read_bytes(), filename=filename, source=source,
                    as_of=dt.date.fromisoformat(as_of), mode=mode, on_progress=on_progress,
                )  # fmt: skip
            except ValidationError as exc:
                problem = "；".join(str(i["message"]) for i in error_items(exc))
                return {
                    "applied": False, "mode": mode, "total": 0, "added": 0, "updated": 0,
                    "unchanged": 0, "older": 0, "failed_rows": 0, "errors": [],
                    "duplicates": [], "snapshot_id": None, "file_error": problem,
                    "message": _("没有导入任何数据：") + problem,
                }  # fmt: skip
            return registry_import.report_result(report)
    finally:
        file.unlink(missing_ok=True)
