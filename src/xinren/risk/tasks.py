"""The daily re-scoring (Huey periodic task), also runnable as a job with a progress bar."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinren.notifications.tasks import local_daily

from . import scoring

JOB_KIND = "risk_rescore"
RESCORE_HOUR = 3  # after the nightly watch-list re-screen (02:40), before the morning digest
RESCORE_MINUTE = 10


def rescore(
    *,
    actor_id: int | None = None,
    language: str = "zh-hans",
    on_progress: Callable[..., None] | None = None,
) -> dict:
    """Re-score every account; the summary becomes the job's result."""
    with translation.override(language):
        result = scoring.rescore(on_progress=on_progress)
        message = (
            _(
                "风险评分完成：评估 %(scored)s 个账户，%(changes)s 个分数变化，"
                "%(level_changes)s 个等级变化，发出 %(alerts)s 条提醒。"
            )
            % result.as_dict()
        )
        return {**result.as_dict(), "message": message}


@db_periodic_task(local_daily(RESCORE_HOUR, RESCORE_MINUTE))
@lock_task("risk-rescore")
def daily_rescore() -> dict:
    return rescore(language=settings.LANGUAGE_CODE)
