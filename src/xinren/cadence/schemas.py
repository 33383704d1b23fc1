from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from xinren.orgs.schemas import Text

TierName = Literal["S", "A", "B", "C"]


class VisitStatusOut(Schema):
    account_id: int
    tier: TierName
    interval_days: int
    last_visit_at: datetime | None
    next_visit_due: date | None
    overdue: bool
    due_in_days: int | None


class TierIn(Schema):
    tier: TierName
    reason: Text = Field(..., min_length=1, max_length=255)
    version: int | None = Field(None, ge=1, description="optimistic lock: the version you read")


class TierChangeOut(Schema):
    from_tier: str
    to_tier: str
    reason: str
    changed_by: str | None
    changed_at: datetime


class VisitPoliciesOut(Schema):
    business_unit_id: int
    visit_every_days: dict[str, int]


class VisitPolicyIn(Schema):
    visit_every_days: int = Field(..., ge=1, le=366)
