"""Quality jobs run in the background worker (``xinren.jobs.services.submit``)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from xinren.orgs.models import User

from . import services_dedupe
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
