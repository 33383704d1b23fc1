from __future__ import annotations

import datetime as dt

from ninja import Schema

from xinren.orgs.schemas import Id


class MeasuresOut(Schema):
    """Sums and rates of a set of accounts. ``completeness`` = required_filled /
    required_total; ``validity`` = valid_total / checked_total (filled measured fields that
    have a format rule); ``duplicate_rate`` = duplicates / records; null when there is
    nothing to measure. ``key``/``label``: the subsidiary, department or rep of a row."""

    key: int | None
    label: str
    records: int
    required_total: int
    required_filled: int
    checked_total: int
    valid_total: int
    duplicates: int
    completeness: float | None
    validity: float | None
    duplicate_rate: float | None


class BreakdownOut(Schema):
    group_by: str
    computed_at: dt.datetime | None
    total: MeasuresOut
    rows: list[MeasuresOut]


class FieldOut(Schema):
    key: str
    label: str


class RecordOut(Schema):
    account_id: int
    archive_no: str
    company_id: int
    company_name: str
    business_unit: str
    owner: str
    completeness: float
    validity: float
    duplicate: bool
    meets_bar: bool
    missing: list[FieldOut]
    invalid: list[FieldOut]


class WorstOut(Schema):
    records: list[RecordOut]


class TrendPointOut(Schema):
    day: str
    records: int
    completeness: float | None
    validity: float | None
    duplicate_rate: float | None


class TrendOut(Schema):
    points: list[TrendPointOut]


class TaskOut(Schema):
    id: int
    status: str
    account_id: int
    archive_no: str
    company_id: int
    company_name: str
    assignee_id: int
    missing: list[FieldOut]
    invalid: list[FieldOut]
    completeness_at_start: float
    created_at: dt.datetime
    closed_at: dt.datetime | None
    completeness_now: float | None
    validity_now: float | None


class TaskListOut(Schema):
    tasks: list[TaskOut]


class AssignIn(Schema):
    limit: int = 20
    subsidiary: Id | None = None
    department: Id | None = None
    owner: Id | None = None


class AssignOut(Schema):
    created: int
    tasks: list[TaskOut]


class RefreshOut(Schema):
    job_id: str
    status: str
