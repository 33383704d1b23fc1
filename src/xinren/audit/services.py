"""Every write service calls :func:`record_change` inside its transaction, so a change and
its history commit together or not at all."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import ChangeLog


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value (dates as ISO text, money as text, files by name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited values of a model instance. Foreign keys are recorded by id."""
    result: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"version", "password", "last_login"}:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue  # the history entry's own time says when
        result[field.attname if field.is_relation else field.name] = _plain(
            getattr(instance, field.attname)
        )
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = set(before) | set(after)
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def record_change(
    *,
    actor,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    company_id: int | None = None,
    account_id: int | None = None,
    org_unit_id: int | None = None,
) -> ChangeLog | None:
    """Write one history entry. An update that changed nothing writes nothing."""
    changes = diff(before or {}, after or {})
    if action == ChangeLog.Action.UPDATE and not changes:
        return None
    actor_name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = getattr(actor, "full_name", "") or actor.get_username()
    else:
        actor = None
    entry = ChangeLog.objects.create(
        actor=actor,
        actor_name=actor_name or "system",
        action=action,
        entity=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:255],
        company_id=company_id,
        account_id=account_id,
        org_unit_id=org_unit_id,
        changes=changes,
    )
    if company_id is not None and entry.entity in TIMELINE_ENTITIES:
        _to_timeline(entry, instance)
    return entry


# Changes of these records appear on the customer timeline as "change" events; interactions,
# contracts, orders, payments and documents have timeline events of their own.
TIMELINE_ENTITIES = {"customers.company", "customers.customeraccount", "customers.contact"}


def _to_timeline(entry: ChangeLog, instance: models.Model) -> None:
    from xinren.timeline.models import EventKind
    from xinren.timeline.services import record_event

    record_event(
        company_id=entry.company_id,
        account_id=entry.account_id,
        kind=EventKind.CHANGE,
        occurred_at=entry.at,
        instance=entry,
        title=f"{entry.get_action_display()} {instance._meta.verbose_name}：{entry.object_repr}",
        detail={"action": entry.action, "entity": entry.entity, "fields": sorted(entry.changes)},
        actor=entry.actor,
    )


def record_creations(*, actor, entries: list[tuple[models.Model, int | None, int | None]]) -> int:
    """:func:`record_change` for many newly created records at once (a bulk import): one
    "create" history entry per ``(instance, company_id, account_id)``, with the same content
    and the same timeline events, written as rows by the lean bulk writer
    (:mod:`xinren.core.bulk`: ids reserved, one insert per table and batch)."""
    if not entries:
        return 0
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.utils import timezone

    from xinren.core.bulk import Table, reserve_ids
    from xinren.timeline.models import EventKind, TimelineEvent

    conn = connections[DEFAULT_DB_ALIAS]
    actor_name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = getattr(actor, "full_name", "") or actor.get_username()
    else:
        actor = None
    actor_id = actor.pk if actor is not None else None
    now = timezone.now()
    at = conn.ops.adapt_datetimefield_value(now)
    changes_field = ChangeLog._meta.get_field("changes")
    detail_field = TimelineEvent._meta.get_field("detail")
    source = ChangeLog._meta.label_lower
    create = ChangeLog.Action.CREATE
    titles: dict[str, str] = {}  # the translated prefix once per model
    log_rows, event_rows = [], []
    ids = reserve_ids(ChangeLog, len(entries))
    for log_id, (instance, company_id, account_id) in zip(ids, entries, strict=True):
        entity = instance._meta.label_lower
        changes = diff({}, snapshot(instance))
        text = str(instance)[:255]
        log_rows.append(
            (log_id, at, actor_id, actor_name or "system", create, entity, instance.pk, text,
             company_id, account_id, None, changes_field.get_db_prep_save(changes, conn))
        )  # fmt: skip
        if company_id is None or entity not in TIMELINE_ENTITIES:
            continue
        if entity not in titles:
            titles[entity] = f"{ChangeLog.Action(create).label} {instance._meta.verbose_name}："
        detail = {"action": create.value, "entity": entity, "fields": sorted(changes)}
        event_rows.append(
            (company_id, account_id, EventKind.CHANGE.value, at, source, log_id,
             (titles[entity] + text)[:255], detail_field.get_db_prep_save(detail, conn), actor_id)
        )  # fmt: skip
    log_table = Table(
        ChangeLog,
        ["at", "actor_id", "actor_name", "action", "entity", "object_id", "object_repr",
         "company_id", "account_id", "org_unit_id", "changes"],
        with_id=True,
    )  # fmt: skip
    event_table = Table(
        TimelineEvent,
        ["company_id", "account_id", "kind", "occurred_at", "source", "source_id", "title",
         "detail", "actor_id"],
    )  # fmt: skip
    for i in range(0, len(log_rows), 5000):
        log_table.insert(log_rows[i : i + 5000])
    for i in range(0, len(event_rows), 5000):
        event_table.insert(event_rows[i : i + 5000])
    return len(log_rows)
