"""Keyset pages for lists ordered newest first (``-id``): ``?after=<id>`` is the next page,
``?before=<id>`` the previous one. Unlike OFFSET, page 5,000 costs what page 1 costs, and
rows inserted meanwhile never shift a page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    items: list = field(default_factory=list)
    has_next: bool = False
    has_prev: bool = False
    next_after: int | None = None
    prev_before: int | None = None


def _int_param(request, name: str) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def keyset_page(
    request,
    queryset: QuerySet,
    size: int,
    prepare: Callable[[QuerySet], QuerySet] = lambda qs: qs,
) -> KeysetPage:
    after, before = _int_param(request, "after"), _int_param(request, "before")
    page = KeysetPage()
    if before is not None:
        rows = list(prepare(queryset.filter(pk__gt=before).order_by("pk"))[: size + 1])
        page.has_prev = len(rows) > size
        page.items = list(reversed(rows[:size]))
        page.has_next = True
    else:
        base = queryset.filter(pk__lt=after) if after is not None else queryset
        rows = list(prepare(base.order_by("-pk"))[: size + 1])
        page.has_next = len(rows) > size
        page.items = rows[:size]
        page.has_prev = after is not None
    if page.items:
        page.next_after = page.items[-1].pk
        page.prev_before = page.items[0].pk
    return page
