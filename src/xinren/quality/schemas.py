from __future__ import annotations

from ninja import Schema


class ReasonOut(Schema):
    code: str  # same_uscc, same_name, same_pinyin, same_phone, similar_name_region, similar_name
    label: str


class CandidateOut(Schema):
    """``visible`` false: a company outside the caller's scope — only its legal name, USCC and
    existence are given (``company_id`` and ``region`` are null/empty)."""

    score: int
    exact: bool
    visible: bool
    company_id: int | None
    name: str
    uscc: str
    region: str
    reasons: list[ReasonOut]


class DuplicatesOut(Schema):
    candidates: list[CandidateOut]
