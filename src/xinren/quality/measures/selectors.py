"""Scoped reads of the data-quality measures. Every figure starts from the score rows of the
accounts in the user's data scope (``account_scope_q``, the one scope rule): a rep sees their
own accounts, a department head the department's, a subsidiary its own, HQ the group."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.customers.selectors import account_scope_q
from xinren.orgs.access import has_action, user_scope
from xinren.orgs.models import Action, OrgUnit, User

from . import fields as F
from .models import QualityScore, QualitySnapshot, QualityTask, SnapshotLevel, TaskStatus
from .services import SUMS, _clean_sums

GROUP_BY = {
    "subsidiary": "account__business_unit_id",
    "department": "account__owner_unit_id",
    "rep": "account__owner_id",
}
TREND_DAYS = 90
MAX_WORST = 200


@dataclass
class Measures:
    """Sums over a set of score rows and the three rates (None when there is nothing to
    measure). ``key``/``label`` name the unit or rep of a breakdown row."""

    records: int = 0
    required_total: int = 0
    required_filled: int = 0
    checked_total: int = 0
    valid_total: int = 0
    duplicates: int = 0
    key: int | None = None
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completeness(self) -> float | None:
        return self.required_filled / self.required_total if self.required_total else None

    @property
    def validity(self) -> float | None:
        return self.valid_total / self.checked_total if self.checked_total else None

    @property
    def duplicate_rate(self) -> float | None:
        return self.duplicates / self.records if self.records else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "records": self.records,
            "required_total": self.required_total,
            "required_filled": self.required_filled,
            "checked_total": self.checked_total,
            "valid_total": self.valid_total,
            "duplicates": self.duplicates,
            "completeness": self.completeness,
            "validity": self.validity,
            "duplicate_rate": self.duplicate_rate,
        }


def _id(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**63:
        return value
    raise field_error(name, _("应为编号（正整数）。"), "integer")


def visible_scores(
    user: User, *, subsidiary: Any = None, department: Any = None, owner: Any = None
) -> QuerySet[QualityScore]:
    """Score rows of the accounts in the user's scope, optionally narrowed to a business
    unit, an owning department (exactly that unit) or an owner: a drill-down never widens
    the scope, it only filters inside it."""
    subsidiary, department, owner = (
        _id("subsidiary", subsidiary),
        _id("department", department),
        _id("owner", owner),
    )
    if not has_action(user, Action.VIEW):
        return QualityScore.objects.none()
    qs = QualityScore.objects.filter(account_scope_q(user_scope(user), "account__"))
    if subsidiary is not None:
        qs = qs.filter(account__business_unit_id=subsidiary)
    if department is not None:
        qs = qs.filter(account__owner_unit_id=department)
    if owner is not None:
        qs = qs.filter(account__owner_id=owner)
    return qs


def measures(user: User, **filters) -> Measures:
    sums = visible_scores(user, **filters).order_by().aggregate(**SUMS)
    return Measures(**_clean_sums(sums))


def check_group_by(group_by: str) -> str:
    if group_by not in GROUP_BY:
        raise field_error("group_by", _("分组方式只能是 subsidiary、department 或 rep。"), "choice")
    return group_by


def breakdown(user: User, group_by: str, **filters) -> list[Measures]:
    """One row per subsidiary, department or rep of the scoped accounts, worst completeness
    first."""
    column = GROUP_BY[check_group_by(group_by)]
    rows = [
        Measures(key=r[column], **_clean_sums(r))
        for r in visible_scores(user, **filters).order_by().values(column).annotate(**SUMS)
    ]
    ids = [r.key for r in rows]
    if group_by == "rep":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    else:
        from xinren.web.templatetags.xinren_tags import localized_name

        names = {u.pk: localized_name(u) for u in OrgUnit.objects.filter(pk__in=ids)}
    for r in rows:
        r.label = names.get(r.key, "")
    rows.sort(key=lambda r: (r.completeness if r.completeness is not None else 2, r.label))
    return rows


def summary(user: User, group_by: str, **filters) -> tuple[Measures, list[Measures]]:
    """The total and the breakdown in one pass over the scoped rows: every account is in
    exactly one row, so the total is the rows' sum."""
    rows = breakdown(user, group_by, **filters)
    total = Measures()
    for r in rows:
        for name in SUMS:
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total, rows


def worst_records(user: User, **filters) -> QuerySet[QualityScore]:
    """The scoped score rows, worst first: lowest completeness, then lowest validity."""
    return visible_scores(user, **filters).order_by("completeness", "validity", "account_id")


def worst_page(user: User, limit: Any = 20, **filters) -> list[QualityScore]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_WORST:
        raise field_error("limit", _("应为 1 到 %(n)s 之间的整数。") % {"n": MAX_WORST}, "range")
    return list(
        worst_records(user, **filters).select_related(
            "account__company", "account__owner", "account__business_unit"
        )[:limit]
    )


def labels(keys: list[str]) -> list[str]:
    return [F.label(k) for k in keys]


def _trend_filter(user: User) -> dict[str, Any] | None:
    """Which snapshot rows make up the user's scope: the group row, the subsidiary row, the
    department subtree's rows, or the rep's own row."""
    if not has_action(user, Action.VIEW):
        return None
    spec = user_scope(user)
    if spec.nothing:
        return None
    if spec.everything:
        return {"level": SnapshotLevel.GROUP}
    if spec.business_unit_id is not None:
        return {"level": SnapshotLevel.SUBSIDIARY, "unit_id": spec.business_unit_id}
    if spec.unit_path is not None:
        return {"level": SnapshotLevel.DEPARTMENT, "unit__path__startswith": spec.unit_path}
    return {"level": SnapshotLevel.REP, "user_id": user.pk}


def trend(user: User, days: int = TREND_DAYS, today: dt.date | None = None) -> list[dict]:
    """Daily completeness, validity and duplicate rate of the user's scope, oldest first
    (from the daily snapshots: accounts owned inside the scope)."""
    where = _trend_filter(user)
    if where is None:
        return []
    since = (today or timezone.localdate()) - dt.timedelta(days=days)
    sums = {k: Sum(k) for k in ("records", "required_total", "required_filled")} | {
        k: Sum(k) for k in ("checked_total", "valid_total", "duplicates")
    }
    out = []
    for row in (
        QualitySnapshot.objects.filter(day__gte=since, **where)
        .order_by()
        .values("day")
        .annotate(**sums)
        .order_by("day")
    ):
        m = Measures(**_clean_sums(row))
        out.append(
            {
                "day": row["day"].isoformat(),
                "records": m.records,
                "completeness": m.completeness,
                "validity": m.validity,
                "duplicate_rate": m.duplicate_rate,
            }
        )
    return out


def last_refresh(user: User) -> dt.datetime | None:
    """When the scores were computed: a refresh writes one time on every row, so the first
    scoped row tells (no scan for the latest)."""
    return visible_scores(user).order_by().values_list("computed_at", flat=True).first()


def my_tasks(user: User, status: str | None = TaskStatus.OPEN) -> QuerySet[QualityTask]:
    """The user's own quality tasks (newest first), with the record's current score."""
    if status not in (None, "", *TaskStatus.values):
        raise ValidationError(
            {"status": [ValidationError(_("状态只能是 open 或 done。"), code="choice")]}
        )
    if not has_action(user, Action.VIEW):
        return QualityTask.objects.none()
    # A task on an account that has since left the user's scope (handed over) is not shown.
    qs = (
        QualityTask.objects.filter(assignee_id=user.pk)
        .filter(account_scope_q(user_scope(user), "account__"))
        .select_related("account__company", "account__business_unit")
    )
    return qs.filter(status=status) if status else qs


def current_scores(tasks: list[QualityTask]) -> dict[int, QualityScore]:
    ids = [t.account_id for t in tasks]
    return {s.account_id: s for s in QualityScore.objects.filter(account_id__in=ids)}
