from __future__ import annotations

import datetime as dt

from ninja import Schema


class FactorOut(Schema):
    code: str
    group: str
    points: int
    label: str
    evidence: dict


class RiskChangeOut(Schema):
    old_level: str
    new_level: str
    old_score: int | None
    new_score: int
    changed_at: dt.datetime


class RiskOut(Schema):
    account_id: int
    company: str
    level: str | None
    level_label: str
    score: int | None
    computed_at: dt.datetime | None
    factors: list[FactorOut]
    not_assessed: list[str]
    history: list[RiskChangeOut] = []


class RiskPage(Schema):
    items: list[RiskOut]
    next_cursor: str | None
