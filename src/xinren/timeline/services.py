"""Writing timeline events. Call inside the transaction that writes the thing recorded, so
the timeline never disagrees with what was committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models

from .models import TimelineEvent


def record_event(
    *,
    company_id: int,
    kind: str,
    occurred_at: datetime,
    instance: models.Model,
    title: str,
    account_id: int | None = None,
    detail: dict | None = None,
    actor=None,
) -> TimelineEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return TimelineEvent.objects.create(
        company_id=company_id,
        account_id=account_id,
        kind=kind,
        occurred_at=occurred_at,
        source=instance._meta.label_lower,
        source_id=instance.pk,
        title=title[:255],
        detail=detail or {},
        actor=actor,
    )


def update_events(instance: models.Model, **fields) -> int:
    """Keep the events of an edited record in step (e.g. a corrected date or title)."""
    return TimelineEvent.objects.filter(
        source=instance._meta.label_lower, source_id=instance.pk
    ).update(**fields)


def delete_events(source: str, source_ids: Iterable[int]) -> int:
    return TimelineEvent.objects.filter(source=source, source_id__in=list(source_ids)).delete()[0]


def delete_customer_events(*, company_id: int | None = None, account_id: int | None = None) -> int:
    """Drop the timeline of a deleted company or account (its change history stays)."""
    if company_id is not None:
        return TimelineEvent.objects.filter(company_id=company_id).delete()[0]
    return TimelineEvent.objects.filter(account_id=account_id).delete()[0]
