"""Data-quality part of ``xinren demo``: standards that ask for more than the generated files
always hold, today's real scores, and a made-up trend for the weeks before.

The demo's generated companies fill every field of the built-in standard, which would show a
flat 100 %. So the group's default standard also requires the company e-mail and a
decision-maker contact (the generator fills them for part of the companies), and the first
subsidiary additionally requires the website and the pain points: completeness then differs
per subsidiary, department and rep. Today's snapshot is the real refresh; the weekly
snapshots before it are demo history (like the demo's interactions and orders), drawn from
today's figures back to the seed's starting point of 65 % completeness."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from xinren.orgs.models import OrgUnit

from . import services
from .models import QualityProfile, QualitySnapshot

WEEKS = 8
START_COMPLETENESS = 0.65  # the seed's "完整度从65%提升到92%"
START_VALIDITY = 0.90
GROUP_EXTRA = ["email", "decision_maker"]
STRICT_EXTRA = ["website", "pain_points"]


def _standard(extra: list[str]) -> dict[str, list[str]]:
    required = list(services.BUILTIN.required) + extra
    return {
        "required": required,
        "optional": [k for k in services.BUILTIN.optional if k not in required],
    }


@transaction.atomic
def set_demo_standards() -> None:
    """The group default and one stricter subsidiary (kept if already configured)."""
    root = services.group_unit()
    if root is None:
        return
    QualityProfile.objects.get_or_create(business_unit=root, defaults=_standard(GROUP_EXTRA))
    strict = OrgUnit.objects.filter(kind=OrgUnit.Kind.SUBSIDIARY).order_by("path").first()
    if strict is not None:
        QualityProfile.objects.get_or_create(
            business_unit=strict, defaults=_standard(GROUP_EXTRA + STRICT_EXTRA)
        )


def _back(value: int, total: int, start: float, share: float) -> int:
    """``value`` of ``total`` today, ``share`` of the way back to ``start`` × total."""
    floor = round(start * total)
    return value if value <= floor else value - round((value - floor) * share)


def backfill_trend(today: dt.date | None = None, weeks: int = WEEKS) -> int:
    """Weekly snapshots for the ``weeks`` before today, rising to today's real snapshot.
    Replaces earlier demo weeks on a rerun; returns the rows written."""
    today = today or timezone.localdate()
    current = list(QualitySnapshot.objects.filter(day=today))
    days = [today - dt.timedelta(days=7 * w) for w in range(1, weeks + 1)]
    rows = []
    for w, day in enumerate(days, start=1):
        share = w / weeks
        for s in current:
            rows.append(
                QualitySnapshot(
                    day=day,
                    level=s.level,
                    unit_id=s.unit_id,
                    user_id=s.user_id,
                    records=s.records,
                    required_total=s.required_total,
                    required_filled=_back(
                        s.required_filled, s.required_total, START_COMPLETENESS, share
                    ),
                    checked_total=s.checked_total,
                    valid_total=_back(s.valid_total, s.checked_total, START_VALIDITY, share),
                    duplicates=s.duplicates,
                )
            )
    with transaction.atomic():
        QualitySnapshot.objects.filter(day__in=days).delete()
        QualitySnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def load() -> dict:
    """Standards, today's scores and snapshot, and the demo trend."""
    set_demo_standards()
    result = services.refresh_scores()
    result["trend_rows"] = backfill_trend()
    return result
