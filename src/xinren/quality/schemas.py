from __future__ import annotations

from typing import Literal

from ninja import Schema

from xinren.orgs.schemas import Id


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


# --- merge ------------------------------------------------------------------------------------
class MergeIn(Schema):
    """``choices``: per field, whose value the merged record keeps — ``survivor`` or
    ``other``; fields left out follow the proposal (see the preview)."""

    survivor_id: Id
    other_id: Id
    choices: dict[str, str] = {}


class FieldProposalOut(Schema):
    field: str
    label: str
    survivor_value: str | None
    other_value: str | None
    pick: str  # survivor | other
    reason: str  # same | non_empty | verified | newer | survivor
    reason_label: str


class MoveCountOut(Schema):
    label: str
    rows: int


class CombinedAccountOut(Schema):
    archive_no: str
    into_archive_no: str
    business_unit: str


class MergePreviewOut(Schema):
    survivor_id: int
    other_id: int
    survivor_verification: int  # 0 none, 1 valid USCC, 2 valid USCC + business licence
    other_verification: int
    fields: list[FieldProposalOut]
    moves: list[MoveCountOut]
    combined_accounts: list[CombinedAccountOut]


class MergeOut(Schema):
    id: int
    survivor_id: int
    survivor_name: str
    other_id: int
    other_name: str
    merged_at: str
    merged_by: str
    changed_fields: list[str]
    choices: dict[str, str]
    counts: dict[str, int]
    merged_archive_nos: list[str]
    undone_at: str | None
    undone_by: str | None


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
