"""API schemas of interactions and timelines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from xinren.orgs.schemas import Id, Text
from xinren.timeline.models import EventKind

from .models import InteractionKind

InteractionKindName = Literal[tuple(InteractionKind.values)]  # type: ignore[valid-type]
EventKindName = Literal[tuple(EventKind.values)]  # type: ignore[valid-type]


class InteractionOut(Schema):
    id: int
    account_id: int
    company_id: int
    kind: str
    occurred_at: datetime
    logged_at: datetime
    late: bool = Field(..., description="logged more than 24 hours after it happened")
    subject: str
    summary: str
    next_step: str
    next_step_due: date | None
    next_step_done: bool
    staff_ids: list[int]
    contact_ids: list[int]
    created_by_id: int | None
    version: int

    @staticmethod
    def resolve_staff_ids(obj) -> list[int]:
        return sorted(u.pk for u in obj.staff.all())

    @staticmethod
    def resolve_contact_ids(obj) -> list[int]:
        return sorted(c.pk for c in obj.contacts.all())


class InteractionPage(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


class InteractionIn(Schema):
    kind: InteractionKindName = "visit"
    occurred_at: datetime | None = Field(
        None, description="when it happened (default: now); never in the future"
    )
    subject: Text
    summary: Text = ""
    next_step: Text = ""
    next_step_due: date | None = None
    staff_ids: list[Id] = Field(
        default_factory=list, description="our people who took part (default: the caller)"
    )
    contact_ids: list[Id] = Field(
        default_factory=list, description="the customer's contacts who took part"
    )


class InteractionPatch(Schema):
    version: int = Field(..., ge=1, description="optimistic lock: the version you read")
    kind: InteractionKindName = None
    occurred_at: datetime = None
    subject: Text = None
    summary: Text = None
    next_step: Text = None
    next_step_due: date | None = None
    staff_ids: list[Id] = None
    contact_ids: list[Id] = None


class VersionIn(Schema):
    version: int | None = Field(None, ge=1, description="optimistic lock: the version you read")


class TimelineEventOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    title: str
    detail: dict[str, Any]
    source: str = Field(..., description='the recorded thing, e.g. "activities.interaction"')
    source_id: int
    company_id: int
    account_id: int | None = Field(..., description="null for company-level events")
    actor_id: int | None
    actor_name: str = Field("", description="who recorded it")


class TimelinePage(Schema):
    items: list[TimelineEventOut]
    next_cursor: str | None
