from __future__ import annotations

from typing import Literal

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


class ImportCheckIn(Schema):
    mode: Literal["all", "valid"] = "all"
    on_match: Literal["update", "fill", "skip"] = "update"
    template: str = ""
    mapping: str = ""  # JSON object: file header → field key ("" ignores the column)


class RowErrorOut(Schema):
    row: int
    column: str
    rule: str
    message: str


class ImportCheckOut(Schema):
    """A dry run of the uploaded file: nothing is stored. Start the import with ``token``."""

    token: str
    header: list[str]
    mapping: dict[str, str]
    total: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed_rows: int
    errors: list[RowErrorOut]


class ImportStartIn(Schema):
    token: str
    mode: Literal["all", "valid"] = "all"
    on_match: Literal["update", "fill", "skip"] = "update"
    mapping: dict[str, str] = {}
