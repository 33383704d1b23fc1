"""Every risk threshold and point value in one place, and how each factor reads.

A score is the sum of its factors' points (at most 100); the level follows from the score.
The payment-delay rule is sales' own (``xinren.sales.figures``: rate over 20 % in the six
months before the day → high risk); it is worth :data:`DELAY_RATE_POINTS`, enough for "high"
on its own, as is a confirmed watch-list hit or a registry status other than 存续.

The registry status and the lawsuit count come from the registry table
(``xinren.kyc.models.RegistryRecord``, one row per USCC, newest known, whichever provider or
snapshot filled it). A company the registry table does not know is not scored on either; the
panel says so (:data:`NO_REGISTRY_DATA`).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinren.customers.models import DocumentType
from xinren.kyc.models import RegistryStatus


class RiskLevel(models.TextChoices):
    LOW = "low", pgettext_lazy("risk level", "低")
    MEDIUM = "medium", pgettext_lazy("risk level", "中")
    HIGH = "high", pgettext_lazy("risk level", "高")


LEVEL_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}

# --- levels -----------------------------------------------------------------------------------
MEDIUM_FROM = 30  # score ≥ 30 → medium
HIGH_FROM = 60  # score ≥ 60 → high
MAX_SCORE = 100

# --- qualification: the "three certificates and one licence" ----------------------------------
REQUIRED_DOCUMENTS = (
    DocumentType.BUSINESS_LICENCE,
    DocumentType.INDUSTRY_QUALIFICATION,
    DocumentType.LEGAL_REP_ID,
    DocumentType.PREMISES_PROOF,
)
DOC_MISSING_POINTS = 5  # all four missing = 20: still low on its own
DOC_EXPIRED_POINTS = 15

# --- credit -------------------------------------------------------------------------------------
DELAY_RATE_POINTS = 60  # sales.figures.DelayRate.high_risk (over 20 % in six months)
OVERDUE_POINTS = 10  # anything overdue
OVERDUE_LARGE = Decimal("100000.00")  # CNY
OVERDUE_LARGE_POINTS = 25  # instead of OVERDUE_POINTS from this amount on

# --- compliance ---------------------------------------------------------------------------------
LIST_HIT_CONFIRMED_POINTS = 60
LIST_HIT_NEW_POINTS = 30  # an open hit nobody has checked yet
REGISTRY_INACTIVE_POINTS = 60  # registry status not 存续 (注销, 吊销, 停业, 清算, 迁出): high
ACTIVE_REGISTRY_STATUS = RegistryStatus.ACTIVE

# --- lawsuits -----------------------------------------------------------------------------------
LAWSUITS_FEW_POINTS = 10  # 1 or 2 cases on record
LAWSUITS_MANY = 3  # from this many cases on
LAWSUITS_MANY_POINTS = 25  # instead of LAWSUITS_FEW_POINTS: medium together with anything else


# Bump when the explained factors' evidence changes shape (stored assessments are rebuilt).
FACTOR_FORMAT = 1


def _rules_version() -> str:
    """A fingerprint of every constant above that a score depends on. The daily run compares
    each account's facts with the stored ones; an assessment stored under other rules (a
    point value, a threshold or the required documents changed in a release) is re-scored
    even when its facts did not change."""
    from xinren.sales import figures  # the delay rule's threshold and window

    constants = sorted(
        (name, str(value))
        for name, value in globals().items()
        if name.isupper()
        and name != "RULES_VERSION"
        and isinstance(value, int | str | Decimal | tuple)
    )
    constants += [
        (f"sales.{name}", str(getattr(figures, name)))
        for name in ("HIGH_RISK_DELAY_RATE", "RATE_QUANTUM", "DELAY_WINDOW_MONTHS")
    ]
    return hashlib.sha256(repr(constants).encode()).hexdigest()[:12]


RULES_VERSION = _rules_version()


def lawsuit_points(count: int) -> int:
    if count >= LAWSUITS_MANY:
        return LAWSUITS_MANY_POINTS
    return LAWSUITS_FEW_POINTS if count > 0 else 0


def level_for(score: int) -> str:
    if score >= HIGH_FROM:
        return RiskLevel.HIGH
    if score >= MEDIUM_FROM:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


# --- credit policy defaults (group default when nobody configured one) -------------------------
# level → (prepayment only, longest credit days or None, credit limit in CNY or None = no limit)
DEFAULT_POLICY: dict[str, tuple[bool, int | None, Decimal | None]] = {
    RiskLevel.LOW: (False, 90, None),
    RiskLevel.MEDIUM: (False, 30, Decimal("500000.00")),
    RiskLevel.HIGH: (True, None, None),
}

# --- how factors read -------------------------------------------------------------------------
GROUPS = {
    "qualification": _("资质"),
    "credit": _("信用"),
    "compliance": _("合规"),
    "litigation": _("诉讼"),
}
FACTOR_GROUP = {
    "doc_missing": "qualification",
    "doc_expired": "qualification",
    "delay_rate": "credit",
    "overdue": "credit",
    "list_hit_confirmed": "compliance",
    "list_hit_new": "compliance",
    "registry_status": "compliance",
    "lawsuits": "litigation",
}
NO_REGISTRY_DATA = _("工商登记状态与诉讼：尚无该企业的工商数据（按统一社会信用代码），未计分。")


def factor_label(factor: dict) -> str:
    """The factor in the reader's language, with its evidence."""
    code = factor["code"]
    ev = factor.get("evidence") or {}
    if code in ("doc_missing", "doc_expired"):
        doc = DocumentType(ev["doc_type"]).label
        if code == "doc_missing":
            return _("缺少%(doc)s") % {"doc": doc}
        return _("%(doc)s已于 %(date)s 过期") % {"doc": doc, "date": ev["expires_on"]}
    if code == "delay_rate":
        return _("近六个月付款逾期率 %(rate)s%%（%(late)s/%(due)s 笔到期款项逾期），超过 20%%") % {
            "rate": ev["rate_percent"],
            "late": ev["late"],
            "due": ev["due"],
        }
    if code == "overdue":
        return _("逾期未收款 %(amount)s %(currency)s") % ev
    if code == "list_hit_confirmed":
        return _("已确认命中名单“%(list)s”") % ev
    if code == "list_hit_new":
        return _("命中名单“%(list)s”，待核实") % ev
    if code == "registry_status":
        return _("工商登记状态为“%(status)s”（%(as_of)s 工商数据）") % {
            "status": RegistryStatus(ev["status"]).label,
            "as_of": ev["as_of"],
        }
    if code == "lawsuits":
        return _("涉诉案件 %(count)s 件（%(as_of)s 工商数据）") % ev
    return code
