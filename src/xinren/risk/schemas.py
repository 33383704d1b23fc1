from __future__ import annotations

import datetime as dt
from decimal import Decimal

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


class PolicyOut(Schema):
    """The credit policy of the account's level (its subsidiary's, else the group default,
    else built in: ``source``)."""

    level: str
    prepayment_only: bool
    max_credit_days: int | None
    credit_limit: Decimal | None
    source: str


class CertificateOut(Schema):
    application_id: int
    status: str
    valid_until: dt.date | None
    prepayment_required: bool
    credit_days: int | None
    credit_limit: Decimal | None


class CertificationOut(Schema):
    """What certification says for new business: the certificate in force and its conditions
    (the stricter of these and the policy applies), a rejection decided after it, and whether
    the subsidiary requires a certificate before contracting."""

    certificate: CertificateOut | None
    rejected_application_id: int | None
    required: bool
    in_force: bool


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
    # The single-account answer only (null in lists).
    policy: PolicyOut | None = None
    certification: CertificationOut | None = None


class RiskPage(Schema):
    items: list[RiskOut]
    next_cursor: str | None
