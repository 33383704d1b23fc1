"""Optimistic locking: every editable row carries ``version``; a save names the version the
user loaded, and is refused when the row has moved on since."""

from __future__ import annotations

from typing import Any

from django.db import models

from .errors import ConflictError


def save_versioned(instance: models.Model, expected_version: int | None, fields: list[str]) -> None:
    """Write ``fields`` of ``instance`` only if the stored version is ``expected_version``.

    Must run inside the caller's transaction. Bumps ``instance.version`` on success.
    """
    model = type(instance)
    if expected_version is None:
        expected_version = instance.version
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if getattr(field, "auto_now", False):
            field.pre_save(instance, add=False)
        values[field.attname] = getattr(instance, field.attname)
    values["version"] = models.F("version") + 1
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        **values
    )
    if updated != 1:
        current = (
            model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        )
        raise ConflictError(current_version=current)
    instance.version = expected_version + 1
