"""API schemas of batch duplicate detection and the review queue."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from xinren.orgs.schemas import Text


class PairReasonOut(Schema):
    code: str  # same_uscc, same_name, same_pinyin, same_phone, similar_name, same_region …
    label: str
    score: int


class PairSideOut(Schema):
    """One company of a pair, as the caller may see it (phone masked without
    ``view_sensitive``; ``accounts``: the accounts the caller can see)."""

    id: int
    name: str
    uscc: str
    region: str
    phone: str
    legal_rep: str
    accounts: int


class PairOut(Schema):
    id: int
    score: int
    status: str  # open, same, different, unsure, merged
    reasons: list[PairReasonOut]
    company_a: PairSideOut
    company_b: PairSideOut
    suggested_survivor_id: int = Field(
        description="the more complete (then older) company, suggested to keep in a merge"
    )
    note: str
    run_id: int | None
    found_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None


class PairPage(Schema):
    items: list[PairOut]
    next_cursor: str | None


class PairDecisionIn(Schema):
    status: Text = Field(description="same, different or unsure")
    note: Text = ""


class RunIn(Schema):
    threshold: int | None = Field(None, description="50–100; the engine's default when empty")


class RunOut(Schema):
    id: int
    job_id: UUID | None
    job_status: str | None
    started_at: datetime
    finished_at: datetime | None
    threshold: int | None
    companies: int
    compared: int
    pairs_found: int
    pairs_new: int
    by_reason: dict[str, int]
    error: str


class RunPage(Schema):
    items: list[RunOut]
    next_cursor: str | None
