from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema

from xinren.jobs.schemas import JobOut
from xinren.orgs.schemas import Id, Text

from .models import DECIDED, HitStatus, ListKind
from .services import MODES

KindName = Literal[tuple(ListKind.values)]  # type: ignore[valid-type]
ModeName = Literal[MODES]  # type: ignore[valid-type]
DecisionName = Literal[tuple(HitStatus.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(str(s) for s in DECIDED)]  # type: ignore[valid-type]


class WatchListOut(Schema):
    id: int
    kind: str
    name: str
    source: str
    industry_scope: str
    imported_at: datetime | None
    entry_count: int


class WatchListPage(Schema):
    items: list[WatchListOut]
    next_cursor: str | None = None


class ListImportIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    kind: KindName
    name: Text
    source: Text = ""
    industry_scope: Text = ""
    mode: ModeName = "all"


class RowProblemOut(Schema):
    row: int
    column: str
    rule: str
    message: str


class ListImportOut(Schema):
    """``applied`` false: nothing was stored (mode ``all`` and some row broke a rule).
    ``job_id``: the background re-screening of every customer, when the list changed."""

    applied: bool
    list_id: int | None
    total: int
    added: int
    updated: int
    unchanged: int
    removed: int
    failed_rows: int
    errors: list[RowProblemOut]
    duplicates: list[RowProblemOut]
    job_id: str | None


class EntryOut(Schema):
    id: int
    uscc: str
    name: str
    reason: str
    authority: str
    listed_on: date | None
    removed_on: date | None


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None = None


class HitOut(Schema):
    id: int
    company_id: int
    company_name: str
    company_uscc: str | None
    list_id: int
    list_name: str
    list_kind: str
    entry: EntryOut
    matched_by: str
    status: str
    first_seen: datetime
    last_seen: datetime
    closed_at: datetime | None
    decided_at: datetime | None
    note: str


class HitPage(Schema):
    items: list[HitOut]
    next_cursor: str | None = None


class HitDecisionIn(Schema):
    status: DecisionName
    note: Text = ""


# --- certification -----------------------------------------------------------------------------
class CheckOut(Schema):
    code: str
    result: str
    evidence: str
    checked_at: datetime


class StepOut(Schema):
    from_status: str
    to_status: str
    actor: str | None
    at: datetime
    note: str


class ReferenceOut(Schema):
    id: int
    name: str
    contact: str
    contacted_on: date
    outcome: str
    note: str


class ApplicationOut(Schema):
    id: int
    account_id: int
    company_id: int
    company_name: str
    company_uscc: str | None
    status: str
    licence_uscc: str
    prepared_by: str | None
    submitted_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    prepayment_required: bool
    credit_limit: Decimal | None
    credit_days: int | None
    valid_until: date | None
    created_at: datetime
    checks: list[CheckOut]
    steps: list[StepOut] = []
    references: list[ReferenceOut] = []


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None = None


class ApplicationIn(Schema):
    account_id: Id
    licence_uscc: Text = ""
    note: Text = ""


class LicenceUsccIn(Schema):
    licence_uscc: Text


class StepIn(Schema):
    note: Text = ""


class ApplicationDecisionIn(Schema):
    outcome: OutcomeName
    reason: Text = ""
    prepayment_required: bool = False
    credit_limit: Decimal | None = None
    credit_days: int | None = None


class ReferenceIn(Schema):
    name: Text
    contact: Text
    contacted_on: date
    outcome: Literal["positive", "negative"]
    note: Text = ""


# --- the customer's upload link ----------------------------------------------------------------
class UploadLinkIn(Schema):
    days: int = 7
    max_files: int = 10


class UploadLinkOut(Schema):
    id: int
    state: Literal["active", "expired", "used", "revoked", "closed"]
    created_at: datetime
    expires_at: datetime
    max_files: int
    files_uploaded: int
    used_at: datetime | None
    revoked_at: datetime | None


class UploadLinkCreatedOut(UploadLinkOut):
    url: str  # shown this once: only the token's hash is stored


class UploadLinkList(Schema):
    items: list[UploadLinkOut]


# --- business registry (工商登记) ----------------------------------------------------------------
class ShareholderOut(Schema):
    name: str
    share_percent: Decimal | None = None


class RegistryRecordOut(Schema):
    """What the registry says about one enterprise, with the snapshot it came from."""

    uscc: str
    name: str
    legal_rep: str
    status: str
    status_label: str
    registered_capital: Decimal | None
    established_on: date | None
    address: str
    shareholders: list[ShareholderOut]
    lawsuit_count: int
    source: str
    as_of: date
    updated_at: datetime


class RegistryRecordPage(Schema):
    items: list[RegistryRecordOut]
    next_cursor: str | None = None


class RegistrySnapshotOut(Schema):
    id: int
    source: str
    as_of: date
    imported_at: datetime
    imported_by: str | None
    record_count: int


class RegistrySnapshotPage(Schema):
    items: list[RegistrySnapshotOut]
    next_cursor: str | None = None


class RegistryImportIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    source: Text
    as_of: date
    mode: ModeName = "all"


class RegistryImportJobOut(JobOut):
    """A large file is imported in the background: poll ``status_url`` (``GET
    /api/v1/jobs/{id}``) until ``status`` is done; its ``result`` then holds the import's
    answer (the fields of the 200 answer, plus ``message`` and ``file_error``)."""

    status_url: str


class RegistryImportOut(Schema):
    """``applied`` false: nothing was stored (mode ``all`` and some row broke a rule)."""

    applied: bool
    snapshot_id: int | None
    total: int
    added: int
    updated: int
    unchanged: int
    older: int
    failed_rows: int
    errors: list[RowProblemOut]
    duplicates: list[RowProblemOut]
