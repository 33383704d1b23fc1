"""Writes of the data-quality measures: the per-subsidiary profile, the refresh that scores
every account and writes the day's snapshot, and quality tasks (assign, close).

The refresh is set-based: companies are read in primary-key batches with one query per
table per batch (companies, contacts, licences, accounts, service teams, duplicate pairs),
each field's state is decided once per company with the registry's rules, every account of
the company is scored against its business unit's profile, and the batch's score rows are
written with one upsert. Aggregates and the snapshot are then SQL sums over the score table.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.customers.models import (
    Company,
    Contact,
    CustomerAccount,
    DecisionRole,
    Document,
    DocumentType,
    ServiceAssignment,
)
from xinren.notifications.models import Notification, NotificationKind
from xinren.notifications.services import channels_for, notification_for
from xinren.orgs.access import manageable_units, require_action
from xinren.orgs.models import Action, OrgUnit, User

from ..models import DuplicatePair, PairStatus
from . import fields as F
from .models import (
    QualityProfile,
    QualityScore,
    QualitySnapshot,
    QualityTask,
    SnapshotLevel,
    TaskStatus,
)

BATCH = 5000
MAX_TASKS = 200
DUPLICATE_STATUSES = (PairStatus.OPEN, PairStatus.SAME)


# --- profiles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    """The fields and bar in force for one business unit. ``source_unit_id`` is the unit
    whose saved profile this is (None: the built-in default)."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    min_completeness: int = 90
    min_validity: int = 100
    source_unit_id: int | None = None

    @property
    def measured(self) -> tuple[str, ...]:
        return self.required + self.optional

    def meets_bar(self, required_total, required_filled, checked_total, valid_total) -> bool:
        """Integer comparison, no rounding: 9 of 10 filled meets a 90 % bar."""
        return (
            required_filled * 100 >= self.min_completeness * required_total
            and valid_total * 100 >= self.min_validity * checked_total
        )


BUILTIN = Profile(tuple(F.default_required()), tuple(F.default_optional()))


def _from_row(row: QualityProfile) -> Profile:
    known = set(F.KEYS)  # a key dropped from the registry is simply no longer measured
    return Profile(
        tuple(k for k in row.required if k in known),
        tuple(k for k in row.optional if k in known),
        row.min_completeness,
        row.min_validity,
        row.business_unit_id,
    )


def group_unit() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.GROUP).first()


class Profiles:
    """Every business unit's profile in force, loaded once (a refresh asks per account)."""

    def __init__(self) -> None:
        rows = {p.business_unit_id: _from_row(p) for p in QualityProfile.objects.all()}
        root = group_unit()
        self.default = rows.get(root.pk, BUILTIN) if root else BUILTIN
        self.rows = rows

    def __getitem__(self, business_unit_id: int) -> Profile:
        return self.rows.get(business_unit_id, self.default)


def profile_for(unit: OrgUnit) -> Profile:
    """The profile in force for a business unit: its own, else the group's, else built-in."""
    return Profiles()[unit.pk]


def _require_configurable(actor: User, unit: OrgUnit) -> None:
    require_action(actor, Action.CONFIGURE)
    if not unit.is_business_unit():
        raise field_error(
            "business_unit", _("数据质量标准按子公司（或集团）设置。"), "not_business_unit"
        )
    if not manageable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权配置该公司的数据质量标准。"))


def _check_keys(name: str, keys: Any) -> list[str]:
    if not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys):
        raise field_error(name, _("应为字段代码的列表。"), "list")
    unknown = [k for k in keys if k not in F.BY_KEY]
    if unknown:
        raise field_error(
            name, _("未知的字段：%(keys)s。") % {"keys": "、".join(unknown)}, "unknown_field"
        )
    return list(dict.fromkeys(keys))


def _check_percent(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise field_error(name, _("应为 0 到 100 之间的整数。"), "range")
    return value


@transaction.atomic
def save_profile(
    *,
    actor: User,
    business_unit: OrgUnit,
    required: list[str],
    optional: list[str],
    min_completeness: int = 90,
    min_validity: int = 100,
    expected_version: int | None = None,
) -> QualityProfile:
    """Set a business unit's required and optional fields and its bar. Takes effect at the
    next refresh."""
    _require_configurable(actor, business_unit)
    required = _check_keys("required", required)
    optional = _check_keys("optional", optional)
    if not required:
        raise field_error("required", _("至少选择一个必填字段。"), "required")
    both = [k for k in required if k in optional]
    if both:
        raise field_error(
            "optional",
            _("字段不能同时是必填和选填：%(keys)s。")
            % {"keys": "、".join(F.label(k) for k in both)},
            "both",
        )
    data = {
        "required": required,
        "optional": optional,
        "min_completeness": _check_percent("min_completeness", min_completeness),
        "min_validity": _check_percent("min_validity", min_validity),
    }
    record = QualityProfile.objects.select_for_update().filter(business_unit=business_unit).first()
    before = snapshot(record) if record else {}
    if record is None:
        record = QualityProfile.objects.create(
            business_unit=business_unit, updated_by=actor, **data
        )
    else:
        for name, value in data.items():
            setattr(record, name, value)
        record.updated_by = actor
        save_versioned(
            record,
            record.version if expected_version is None else expected_version,
            [*data, "updated_by", "updated_at"],
        )
    record_change(
        actor=actor,
        action="update" if before else "create",
        instance=record,
        before=before,
        after=snapshot(record),
        org_unit_id=business_unit.pk,
    )
    return record


@transaction.atomic
def reset_profile(*, actor: User, business_unit: OrgUnit) -> bool:
    """A subsidiary goes back to the group's profile (deletes its own). True if it had one."""
    _require_configurable(actor, business_unit)
    record = QualityProfile.objects.filter(business_unit=business_unit).first()
    if record is None:
        return False
    record_change(
        actor=actor,
        action="delete",
        instance=record,
        before=snapshot(record),
        after={},
        org_unit_id=business_unit.pk,
    )
    record.delete()
    return True


# --- scoring --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Score:
    required_total: int
    required_filled: int
    checked_total: int
    valid_total: int
    missing: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def completeness(self) -> float:
        return self.required_filled / self.required_total if self.required_total else 1.0

    @property
    def validity(self) -> float:
        return self.valid_total / self.checked_total if self.checked_total else 1.0


def score_states(states: dict[str, int], profile: Profile) -> Score:
    """One record's score from its field states (see :mod:`.fields`) under a profile:
    completeness over the required fields that apply, validity over the measured fields that
    are filled and have a format rule."""
    required_total = required_filled = checked = valid = 0
    missing: list[str] = []
    invalid: list[str] = []
    for key in profile.required:
        state = states.get(key, F.MISSING)
        if state == F.NOT_APPLICABLE:
            continue
        required_total += 1
        if state == F.MISSING:
            missing.append(key)
        else:
            required_filled += 1
    for key in profile.measured:
        state = states.get(key, F.MISSING)
        if state in (F.VALID, F.INVALID) and F.BY_KEY[key].rule is not None:
            checked += 1
            if state == F.VALID:
                valid += 1
            else:
                invalid.append(key)
    return Score(required_total, required_filled, checked, valid, tuple(missing), tuple(invalid))


def company_states(facts: dict[str, Any]) -> dict[str, int]:
    """The state of every company, contact and document field of one company."""
    return {f.key: f.state(facts.get(f.key), facts) for f in F.FIELDS if f.source != "account"}


def account_states(facts: dict[str, Any]) -> dict[str, int]:
    return {f.key: f.state(facts.get(f.key), facts) for f in F.FIELDS if f.source == "account"}


def _range(qs, field: str, lo: int, hi: int):
    return qs.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})


def batch_facts(company_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Company, contact and licence facts of a batch of companies (ids ascending), one query
    per table over the batch's id range."""
    lo, hi = company_ids[0], company_ids[-1]
    facts: dict[int, dict[str, Any]] = {}
    for row in _range(Company.objects, "pk", lo, hi).values_list("pk", *F.COMPANY_COLUMNS):
        facts[row[0]] = dict(zip(F.COMPANY_COLUMNS, row[1:], strict=True))
    phones: dict[int, list[str]] = defaultdict(list)
    emails: dict[int, list[str]] = defaultdict(list)
    contacts: dict[int, int] = defaultdict(int)
    deciders: dict[int, int] = defaultdict(int)
    for company_id, phone, email, role in _range(Contact.objects, "company_id", lo, hi).values_list(
        "company_id", "work_phone", "work_email", "decision_role"
    ):
        contacts[company_id] += 1
        if phone:
            phones[company_id].append(phone)
        if email:
            emails[company_id].append(email)
        if role == DecisionRole.DECISION_MAKER:
            deciders[company_id] += 1
    licences: dict[int, list] = defaultdict(list)
    for company_id, expires in _range(
        Document.objects.filter(doc_type=DocumentType.BUSINESS_LICENCE), "company_id", lo, hi
    ).values_list("company_id", "expires_on"):
        licences[company_id].append(expires)
    for pk, f in facts.items():
        f["contact"] = contacts.get(pk) or None
        f["contact_work_phone"] = phones.get(pk, [])
        f["contact_work_email"] = emails.get(pk, [])
        f["decision_maker"] = deciders.get(pk) or None
        f["business_licence"] = licences.get(pk, [])
    return facts


def duplicate_companies(lo: int, hi: int) -> set[int]:
    """Companies in the id range that are in an open or confirmed ("same") duplicate pair."""
    pairs = DuplicatePair.objects.filter(status__in=DUPLICATE_STATUSES)
    return set(_range(pairs, "company_a_id", lo, hi).values_list("company_a_id", flat=True)) | set(
        _range(pairs, "company_b_id", lo, hi).values_list("company_b_id", flat=True)
    )


def score_batch(company_ids: list[int], profiles: Profiles, now) -> list[QualityScore]:
    lo, hi = company_ids[0], company_ids[-1]
    facts = batch_facts(company_ids)
    duplicates = duplicate_companies(lo, hi)
    accounts = list(
        _range(CustomerAccount.objects, "company_id", lo, hi).values_list(
            "pk", "company_id", "business_unit_id", "source"
        )
    )
    served = set(
        _range(ServiceAssignment.objects, "account__company_id", lo, hi)
        .values_list("account_id", flat=True)
        .distinct()
    )
    states_of: dict[int, dict[str, int]] = {}
    rows = []
    for account_id, company_id, unit_id, source in accounts:
        if company_id not in facts:
            continue  # committed after the batch's companies were read: the next refresh
        states = states_of.get(company_id)
        if states is None:
            states = states_of[company_id] = company_states(facts[company_id])
        states = states | account_states(
            {"source": source, "service_team": 1 if account_id in served else None}
        )
        profile = profiles[unit_id]
        score = score_states(states, profile)
        rows.append(
            QualityScore(
                account_id=account_id,
                required_total=score.required_total,
                required_filled=score.required_filled,
                checked_total=score.checked_total,
                valid_total=score.valid_total,
                completeness=score.completeness,
                validity=score.validity,
                duplicate=company_id in duplicates,
                meets_bar=profile.meets_bar(
                    score.required_total,
                    score.required_filled,
                    score.checked_total,
                    score.valid_total,
                ),
                missing=list(score.missing),
                invalid=list(score.invalid),
                computed_at=now,
            )
        )
    return rows


SCORE_FIELDS = [
    "required_total",
    "required_filled",
    "checked_total",
    "valid_total",
    "completeness",
    "validity",
    "duplicate",
    "meets_bar",
    "missing",
    "invalid",
    "computed_at",
]


def write_scores(rows: list[QualityScore]) -> None:
    """Insert or update the batch's score rows with one ``INSERT … ON CONFLICT DO UPDATE``
    statement run over all rows (SQLite ≥ 3.24 and PostgreSQL). Written by hand rather than
    with ``bulk_create(update_conflicts=True)``: the ORM's per-value preparation cost more
    than scoring the rows."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(QualityScore._meta.db_table)
    columns = ["account_id", *SCORE_FIELDS]
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{json_cast}" if c in ("missing", "invalid") else "%s" for c in columns)
    updates = ", ".join(f"{ops.quote_name(c)} = excluded.{ops.quote_name(c)}" for c in SCORE_FIELDS)
    sql = (
        f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) VALUES ({marks})"
        f" ON CONFLICT ({ops.quote_name('account_id')}) DO UPDATE SET {updates}"
    )
    computed = ops.adapt_datetimefield_value(rows[0].computed_at)
    params = [
        (
            r.account_id,
            r.required_total,
            r.required_filled,
            r.checked_total,
            r.valid_total,
            r.completeness,
            r.validity,
            r.duplicate,
            r.meets_bar,
            json.dumps(r.missing),
            json.dumps(r.invalid),
            computed,
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def refresh_scores(
    *, on_progress: Callable[..., None] | None = None, batch: int = BATCH, day=None
) -> dict[str, Any]:
    """Score every account, close the tasks whose record now meets the bar, and write the
    day's snapshot. Safe to run again at any time (a rerun the same day replaces the day's
    snapshot). Each batch commits on its own: a crash loses at most one batch's update, and a
    rerun completes it."""
    profiles = Profiles()
    now = timezone.now()
    total = Company.objects.count()
    done = scored = last = 0
    while True:
        ids = list(
            Company.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        last = ids[-1]
        rows = score_batch(ids, profiles, now)
        with transaction.atomic():
            write_scores(rows)
        scored += len(rows)
        done += len(ids)
        if on_progress:
            on_progress(done, max(total, done), _("已评分 %(n)s 个客户账户") % {"n": scored})
    closed = close_finished_tasks(now)
    snapshot_rows = write_snapshot(day or timezone.localdate())
    message = _("已评分 %(n)s 个客户账户，%(c)s 个质量任务已达标关闭。") % {
        "n": scored,
        "c": closed,
    }
    return {
        "companies": done,
        "accounts": scored,
        "tasks_closed": closed,
        "snapshot_rows": snapshot_rows,
        "message": message,
    }


# --- aggregates and snapshot ----------------------------------------------------------------
SUMS = {
    "records": Count("pk"),
    "required_total": Sum("required_total"),
    "required_filled": Sum("required_filled"),
    "checked_total": Sum("checked_total"),
    "valid_total": Sum("valid_total"),
    "duplicates": Count("pk", filter=Q(duplicate=True)),
}


def _clean_sums(row: dict) -> dict[str, int]:
    return {k: int(row.get(k) or 0) for k in SUMS}


def write_snapshot(day) -> int:
    """Replace the day's snapshot: the group, each business unit, each owning department and
    each owner. Returns the number of rows written."""
    scores = QualityScore.objects.order_by()
    rows = [
        QualitySnapshot(day=day, level=SnapshotLevel.GROUP, **_clean_sums(scores.aggregate(**SUMS)))
    ]
    for level, column, target in (
        (SnapshotLevel.SUBSIDIARY, "account__business_unit_id", "unit_id"),
        (SnapshotLevel.DEPARTMENT, "account__owner_unit_id", "unit_id"),
        (SnapshotLevel.REP, "account__owner_id", "user_id"),
    ):
        for row in scores.values(column).annotate(**SUMS):
            rows.append(
                QualitySnapshot(day=day, level=level, **{target: row[column]}, **_clean_sums(row))
            )
    with transaction.atomic():
        QualitySnapshot.objects.filter(day=day).delete()
        QualitySnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- tasks ----------------------------------------------------------------------------------
def close_finished_tasks(now=None) -> int:
    """Open tasks whose record now meets its bar become done (one UPDATE)."""
    return QualityTask.objects.filter(
        status=TaskStatus.OPEN,
        account_id__in=QualityScore.objects.filter(meets_bar=True).values("account_id"),
    ).update(status=TaskStatus.DONE, closed_at=now or timezone.now())


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_TASKS:
        raise field_error(
            "limit", _("每次最多分派 %(n)s 个任务，至少 1 个。") % {"n": MAX_TASKS}, "range"
        )
    return limit


@transaction.atomic
def assign_tasks(
    *,
    actor: User,
    limit: int = 20,
    subsidiary: int | None = None,
    department: int | None = None,
    owner: int | None = None,
) -> list[QualityTask]:
    """A task for the owner of each of the ``limit`` worst records in the actor's scope
    (below the bar, without an open task), listing what is missing or invalid; each owner is
    notified once. Needs the edit right."""
    from .selectors import worst_records

    require_action(actor, Action.EDIT)
    limit = _check_limit(limit)
    open_tasks = QualityTask.objects.filter(status=TaskStatus.OPEN).values("account_id")
    worst = list(
        worst_records(actor, subsidiary=subsidiary, department=department, owner=owner)
        .filter(meets_bar=False)
        .exclude(account_id__in=open_tasks)
        .select_related("account")[:limit]
    )
    tasks = QualityTask.objects.bulk_create(
        [
            QualityTask(
                account_id=s.account_id,
                assignee_id=s.account.owner_id,
                created_by=actor,
                missing=s.missing,
                invalid=s.invalid,
                completeness_at_start=s.completeness,
                validity_at_start=s.validity,
            )
            for s in worst
        ]
    )
    if tasks and tasks[0].pk is None:  # backends that do not return ids from a bulk insert
        tasks = list(
            QualityTask.objects.filter(
                status=TaskStatus.OPEN, account_id__in=[t.account_id for t in tasks]
            )
        )
    notify_assignees(tasks)
    return tasks


def notify_assignees(tasks: Iterable[QualityTask]) -> int:
    """One notification per assignee for a set of new tasks, in their language, through the
    channels they chose for quality tasks."""
    by_user: dict[int, list[QualityTask]] = defaultdict(list)
    for task in tasks:
        by_user[task.assignee_id].append(task)
    if not by_user:
        return 0
    prefs = channels_for(set(by_user))
    now = timezone.now()
    rows = []
    for user in User.objects.filter(pk__in=by_user, is_active=True):
        mine = by_user[user.pk]
        in_app, email, digest = prefs(user.pk, NotificationKind.QUALITY_TASK)
        if not (in_app or email or digest):
            continue
        with translation.override(user.preferred_language or None):
            title = _("有 %(n)s 份客户档案需要补全或更正") % {"n": len(mine)}
        rows.append(
            notification_for(
                user,
                (in_app, email, digest),
                now,
                kind=NotificationKind.QUALITY_TASK,
                event_key=f"quality-tasks:{min(t.pk for t in mine)}",
                account_id=mine[0].account_id if len(mine) == 1 else None,
                title=title[:255],
                url="/quality/tasks/",
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
