"""Cursor pages for API lists ordered newest first (keyset on ``id`` descending).

The cursor is opaque to clients (base64 of the last id seen); a page costs the same however
deep it is, and rows inserted meanwhile never shift or repeat a page.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .errors import field_error

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_ID = 2**63 - 1


@dataclass
class CursorPage:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor stands for, or a field error naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        kind, value = raw.decode("ascii").split(":", 1)
        last_id = int(value)
        if kind != "id" or not 0 < last_id <= _MAX_ID or encode_cursor(last_id) != cursor:
            raise ValueError(cursor)
    except ValueError:  # binascii.Error and Unicode errors are ValueErrors too
        raise field_error(
            "cursor", _("分页游标无效，请从第一页重新开始。"), "invalid_cursor"
        ) from None
    return last_id


def cursor_page(
    queryset: QuerySet,
    *,
    cursor: str | None,
    limit: int,
    prepare: Callable[[QuerySet], QuerySet] = lambda qs: qs,
) -> CursorPage:
    """One page of ``queryset`` newest first. ``prepare`` adds select/prefetch to the final
    query only (so it runs once per page, whatever the page size)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        queryset = queryset.filter(pk__lt=decode_cursor(cursor))
    rows = list(prepare(queryset.order_by("-pk"))[: limit + 1])
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].pk) if len(rows) > limit else None
    return CursorPage(items=items, next_cursor=next_cursor)
