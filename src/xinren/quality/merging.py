"""Merging two golden records of the same company, and undoing a merge.

Survivorship (which value the merged record keeps, per field; the merge page shows the
proposal and the user may override any field):

1. non-empty over empty (:func:`prefer_non_empty`) — a value is never lost to a blank;
2. verified over unverified (:func:`prefer_verified`), for the registration fields only
   (those a business licence attests). There is no per-field verification flag yet, so a
   company's registration data counts as verified by :func:`verification_level`: 2 when its
   USCC passes the GB 32100 checksum and a business licence (营业执照) is on file, 1 with a
   valid USCC alone, 0 without;
3. newer over older (:func:`prefer_newer`), by the records' ``updated_at``;
4. otherwise the survivor's value.

Everything that refers to the other company moves to the survivor, found by introspection
(:func:`company_links`, :func:`account_links`): every foreign key or one-to-one field of any
installed model pointing at ``Company`` or ``CustomerAccount``, plus the id columns of tables
that keep a customer by id without a foreign key (the timeline, the change history,
notifications), which by convention are plain integer fields named ``company_id`` /
``account_id``. A model added later (certification applications…) moves without code here.

* Two accounts of the same business unit (one per unit and company) are combined: what hangs
  off the other's account moves to the survivor's, and the emptied account is removed. Its
  archive number stays findable (:class:`~.models.MergedArchiveNo`, and a line in the
  receiving account's notes).
* A row that cannot move because the target already has one — a one-to-one row (tier
  record, lookup keys) or a duplicate link row of a many-to-many (the same person on both
  service teams) — is removed with the other record; a real record that would break a
  uniqueness rule (two orders with the same number) stops the merge with a message naming it.
* Every removed row is serialised and every changed reference logged in the
  :class:`~.models.MergeRecord`, so :func:`unmerge` puts back the other company with its
  original id, its accounts with their ids and archive numbers, and moves every row back.

Rights: the MERGE action; both companies in the actor's scope (else "not found", never
"forbidden"); the EDIT action; and edit reach on every account that moves or receives rows.
A company with an account in a subsidiary the actor cannot reach is refused with a message
naming that subsidiary: merging re-parents (and may combine) that subsidiary's own
relationship with the customer, which only someone who reaches it may do — the same rule as
deleting a company. A group-scope data steward merges across subsidiaries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.customers import search
from xinren.customers.models import Company, CustomerAccount, Document, DocumentType
from xinren.customers.selectors import visible_accounts, visible_companies
from xinren.customers.services import COMPANY_FIELDS, clean_company, reindex_companies
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.standards.uscc import normalize_uscc, uscc_problem
from xinren.timeline.models import EventKind
from xinren.timeline.services import record_event

from .models import DuplicatePair, MergedArchiveNo, MergeRecord, PairStatus
from .services import index_company

SURVIVOR, OTHER = "survivor", "other"
BATCH = 5000  # ids per statement when moving rows back (PostgreSQL takes ≤ 65,535 parameters)
SOFT_COLUMNS = {"company_id": Company, "account_id": CustomerAccount}

# Fields a business licence attests: the only ones the "verified" rule applies to.
REGISTRY_FIELDS = {
    "name",
    "uscc",
    "entity_type",
    "legal_rep",
    "legal_rep_id_number",
    "founded_on",
    "registered_capital",
    "capital_currency",
    "registered_address",
    "region_code",
}

REASONS = {
    "same": gettext_lazy("相同"),
    "non_empty": gettext_lazy("非空"),
    "verified": gettext_lazy("已核验"),
    "newer": gettext_lazy("较新"),
    "survivor": gettext_lazy("保留方"),
    "chosen": gettext_lazy("手动选择"),
}


# --- survivorship rules -----------------------------------------------------------------------
def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def verification_level(company: Company, *, has_licence: bool | None = None) -> int:
    """How far a company's registration data is verified: 2 = USCC passes the checksum and a
    business licence is on file, 1 = valid USCC, 0 = neither."""
    code = normalize_uscc(company.uscc or "")
    if not code or uscc_problem(code) is not None:
        return 0
    if has_licence is None:
        has_licence = Document.objects.filter(
            company_id=company.pk, doc_type=DocumentType.BUSINESS_LICENCE
        ).exists()
    return 2 if has_licence else 1


def prefer_non_empty(survivor_value: Any, other_value: Any) -> str | None:
    """Rule 1: a filled value over an empty one."""
    if is_empty(survivor_value) and not is_empty(other_value):
        return OTHER
    if is_empty(other_value) and not is_empty(survivor_value):
        return SURVIVOR
    return None


def prefer_verified(field_name: str, survivor_level: int, other_level: int) -> str | None:
    """Rule 2: for registration fields, the more verified record's value."""
    if field_name not in REGISTRY_FIELDS or survivor_level == other_level:
        return None
    return SURVIVOR if survivor_level > other_level else OTHER


def prefer_newer(survivor_updated: dt.datetime, other_updated: dt.datetime) -> str | None:
    """Rule 3: the value of the record changed more recently."""
    if survivor_updated == other_updated:
        return None
    return SURVIVOR if survivor_updated > other_updated else OTHER


@dataclass
class FieldProposal:
    field: str
    label: str
    survivor_value: Any
    other_value: Any
    pick: str  # SURVIVOR or OTHER
    reason: str  # a key of REASONS

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])

    @property
    def differs(self) -> bool:
        return self.reason != "same"


def propose(
    survivor: Company, other: Company, *, levels: tuple[int, int] | None = None
) -> list[FieldProposal]:
    """The proposed value of every merged field, with the rule that chose it (``levels``:
    the two records' :func:`verification_level`, looked up when not given)."""
    if levels is None:
        levels = (verification_level(survivor), verification_level(other))
    out = []
    for name in COMPANY_FIELDS:
        s, o = getattr(survivor, name), getattr(other, name)
        label = str(Company._meta.get_field(name).verbose_name)
        if s == o or (is_empty(s) and is_empty(o)):
            out.append(FieldProposal(name, label, s, o, SURVIVOR, "same"))
            continue
        for reason, pick in (
            ("non_empty", prefer_non_empty(s, o)),
            ("verified", prefer_verified(name, *levels)),
            ("newer", prefer_newer(survivor.updated_at, other.updated_at)),
            ("survivor", SURVIVOR),
        ):
            if pick is not None:
                out.append(FieldProposal(name, label, s, o, pick, reason))
                break
    return out


def resolve_choices(
    proposals: list[FieldProposal], choices: dict[str, str] | None
) -> dict[str, str]:
    """``{field: side}`` to apply: the proposal, overridden by the user's ``choices``.
    Unknown fields or sides are refused, naming ``choices.<field>``."""
    picks = {p.field: p.pick for p in proposals}
    for name, side in (choices or {}).items():
        if name not in picks:
            raise field_error(f"choices.{name}", _("未知字段，不能在合并时选择。"), "unknown_field")
        if side not in (SURVIVOR, OTHER):
            raise field_error(
                f"choices.{name}", _("只能选择 survivor（保留方）或 other（被合并方）。"), "choice"
            )
        picks[name] = side
    return picks


# --- what refers to a customer ----------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """A column that refers to a company or an account: a foreign key, or a plain id."""

    model: type[models.Model]
    attname: str
    field: models.Field
    soft: bool = False

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _own_models() -> set[type[models.Model]]:
    return {MergeRecord, MergedArchiveNo, DuplicatePair}  # DuplicatePair: see _move_pairs


def _links(target: type[models.Model]) -> list[Link]:
    soft_name = next(k for k, v in SOFT_COLUMNS.items() if v is target)
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model in _own_models() or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.remote_field.model is target:
                found.append(Link(model, f.attname, f))
            elif (
                not f.is_relation and f.attname == soft_name and isinstance(f, models.IntegerField)
            ):
                found.append(Link(model, f.attname, f, soft=True))
    return found


def company_links() -> list[Link]:
    """Every column of every installed model that refers to a company."""
    return _links(Company)


def account_links() -> list[Link]:
    """Every column of every installed model that refers to a customer account."""
    return _links(CustomerAccount)


def _link_model(model: type[models.Model]) -> bool:
    """A pure link row of a many-to-many (auto-created or declared ``through``)."""
    if model._meta.auto_created:
        return True
    for m in apps.get_models():
        for f in m._meta.local_many_to_many:
            if f.remote_field.through is model:
                return True
    return False


def _unique_sets(link: Link) -> Iterable[tuple[tuple[str, ...], Q | None]]:
    """The other columns of each uniqueness rule that includes the link's column."""
    meta, name = link.model._meta, link.field.name
    if link.field.unique or link.field.primary_key:
        yield (), None
    for together in meta.unique_together:
        if name in together:
            yield tuple(meta.get_field(n).attname for n in together if n != name), None
    for c in meta.constraints:
        if isinstance(c, models.UniqueConstraint) and c.fields and name in c.fields:
            others = tuple(meta.get_field(n).attname for n in c.fields if n != name)
            yield others, c.condition


class Mover:
    """Changes references from one row to another and logs every change for the undo."""

    def __init__(self) -> None:
        self.moves: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def log(self, model, attname: str | list[str], old, new, pks: list) -> None:
        """One change of one column (or of several columns together: ``attname``, ``old`` and
        ``new`` as lists) on the rows ``pks``."""
        if pks:
            self.moves.append(
                {
                    "model": model._meta.label_lower,
                    "field": attname,
                    "old": _plain(old),
                    "new": _plain(new),
                    "pks": [_plain(pk) for pk in pks],
                }
            )

    def move(self, link: Link, old: int, new: int) -> None:
        manager = link.model._base_manager
        rows = manager.filter(**{link.attname: old})
        left: set = set()
        if not link.soft:
            for others, condition in _unique_sets(link):
                cond = condition or Q()
                if not others:
                    if manager.filter(cond, **{link.attname: new}).exists():
                        left |= set(rows.filter(cond).values_list("pk", flat=True))
                    continue
                taken = set(manager.filter(cond, **{link.attname: new}).values_list(*others))
                for pk, *values in rows.filter(cond).values_list("pk", *others):
                    if None not in values and tuple(values) in taken:
                        left.add(pk)
        one_to_one = link.field.unique or link.field.primary_key
        if left and not one_to_one and not _link_model(link.model):
            raise field_error(
                "other_id",
                _(
                    "两个客户都有相同的“%(model)s”记录，合并后会重复，无法合并。"
                    "请先修改或删除其中一条（%(model)s #%(ids)s）。"
                )
                % {
                    "model": link.model._meta.verbose_name,
                    "ids": ", ".join(str(p) for p in sorted(left)),
                },
                "unique_conflict",
            )
        moving = rows.exclude(pk__in=left)
        pks = list(moving.values_list("pk", flat=True))
        if pks:
            # By the same filter, not by a list of ids: one statement however many rows (the
            # companies are locked, so no row can start referring to the other meanwhile).
            # The primary key of a one-to-one row may be the reference itself.
            moving.update(**{link.attname: new})
            self.log(link.model, link.attname, old, new, pks)
            if not link.soft:
                self.counts[link.label] += len(pks)


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds (it cuts times to milliseconds): a restored
    row must be the row that was removed."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=_ExactEncoder))


def _serialise(instances: Iterable[models.Model]) -> list[dict]:
    return _plain(serializers.serialize("python", list(instances)))


def remove(instance: models.Model, mover: Mover, *, replace: dict | None = None) -> list[dict]:
    """Delete a row with everything the database would delete or null with it, and return
    all of it serialised in deletion order (``replace`` swaps in an earlier snapshot of the
    row itself). Nulled references are logged on the mover."""
    using = router.db_for_write(type(instance))
    collector = Collector(using=using, origin=instance)
    collector.collect([instance])
    collector.sort()
    rows: list[dict] = []
    for qs in collector.fast_deletes:
        rows += _serialise(qs)
    for (fld, value), objs_list in collector.field_updates.items():
        for objs in objs_list:
            by_old: dict[Any, list] = {}
            owner = fld.model
            for o in objs:
                owner = type(o)
                by_old.setdefault(getattr(o, fld.attname), []).append(o.pk)
            for old, pks in by_old.items():
                mover.log(owner, fld.attname, old, value, pks)
    for instances in collector.data.values():
        for obj in instances:
            if obj is instance or (type(obj) is type(instance) and obj.pk == instance.pk):
                rows.append(replace or _serialise([obj])[0])
            else:
                rows += _serialise([obj])
    collector.delete()
    return rows


# --- rights -----------------------------------------------------------------------------------
def where(account: CustomerAccount) -> str:
    """Where an account sits, for a refusal: its subsidiary, and its department if another."""
    unit, bu = account.owner_unit, account.business_unit
    return bu.name if unit.pk == bu.pk else f"{bu.name} {unit.name}"


def _visible_company(actor: User, company_id: int) -> Company:
    """The company if the actor sees it, else ``Company.DoesNotExist`` (a 404: a user must
    not learn that a customer outside their scope exists)."""
    return visible_companies(actor).get(pk=company_id)


def check_merge_rights(actor: User, survivor_id: int, other_id: int) -> tuple[Company, Company]:
    """The two companies, if the actor may merge them: MERGE and EDIT actions (403), both in
    scope (404), and edit reach on every account of the other company and on every survivor
    account that receives a combined one (403 naming the subsidiary)."""
    require_action(actor, Action.MERGE)
    survivor = _visible_company(actor, survivor_id)
    other = _visible_company(actor, other_id)
    require_action(actor, Action.EDIT)
    if survivor.pk == other.pk:
        raise field_error("other_id", _("不能把客户与它自己合并。"), "same_company")
    other_units = set(other.accounts.values_list("business_unit_id", flat=True))
    touched = CustomerAccount.objects.filter(
        Q(company=other) | Q(company=survivor, business_unit_id__in=other_units)
    ).select_related("business_unit", "owner_unit")
    reach = set(visible_accounts(actor).filter(pk__in=touched).values_list("pk", flat=True))
    blocked = sorted({where(a) for a in touched if a.pk not in reach})
    if blocked:
        raise PermissionDenied(
            _("该客户在“%(units)s”有您无权编辑的账户，不能合并：请由能管理这些账户的人员操作。")
            % {"units": "、".join(blocked)}
        )
    return survivor, other


# --- preview ----------------------------------------------------------------------------------
@dataclass
class MergePreview:
    survivor: Company
    other: Company
    fields: list[FieldProposal]
    counts: list[tuple[str, int]]  # (label, rows) that move to the survivor
    combined: list[tuple[CustomerAccount, CustomerAccount]] = field(default_factory=list)
    levels: tuple[int, int] = (0, 0)


def move_counts(other: Company) -> list[tuple[str, int]]:
    """How many records of each kind move with the other company, largest kinds first: rows
    that refer to one of its accounts, and rows that refer to the company and to no account
    (a row with both, like an interaction, is counted once). Link rows of many-to-many
    relations, plain-id references (timeline, history) and the quality package's own rows
    are left out."""
    account_ids = list(other.accounts.values_list("pk", flat=True))
    by_account: dict[type[models.Model], list[str]] = {}
    for link in account_links():
        if not link.soft and not _link_model(link.model):
            by_account.setdefault(link.model, []).append(link.attname)
    counts: Counter[str] = Counter()
    for link in company_links():
        model = link.model
        if link.soft or _link_model(model) or model._meta.app_label == "quality":
            continue
        rows = model._base_manager.filter(**{link.attname: other.pk})
        for attname in by_account.get(model, []):
            rows = rows.filter(**{f"{attname}__isnull": True})
        counts[str(model._meta.verbose_name)] += rows.count()
    for model, attnames in by_account.items():
        q = Q()
        for attname in attnames:
            q |= Q(**{f"{attname}__in": account_ids})
        counts[str(model._meta.verbose_name)] += model._base_manager.filter(q).count()
    return sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: -kv[1])


def merge_preview(*, actor: User, survivor_id: int, other_id: int) -> MergePreview:
    survivor, other = check_merge_rights(actor, survivor_id, other_id)
    units = {a.business_unit_id: a for a in survivor.accounts.select_related("business_unit")}
    combined = [
        (a, units[a.business_unit_id])
        for a in other.accounts.select_related("business_unit").order_by("id")
        if a.business_unit_id in units
    ]
    return MergePreview(
        survivor=survivor,
        other=other,
        fields=propose(survivor, other),
        counts=move_counts(other),
        combined=combined,
        levels=(verification_level(survivor), verification_level(other)),
    )


# --- merge ------------------------------------------------------------------------------------
def _field_value(company: Company, name: str) -> Any:
    return _plain(getattr(company, name))


def _move_pairs(mover: Mover, survivor: Company, other: Company) -> list[int]:
    """Pairs between the two are marked merged (they go with the other company and come back
    as "same" on undo); the other's pairs with a third company become the survivor's, unless
    the survivor already has a pair with that company."""
    between = DuplicatePair.objects.filter(
        Q(company_a=survivor, company_b=other) | Q(company_a=other, company_b=survivor)
    )
    ids = list(between.values_list("pk", flat=True))
    for pair in between:
        mover.log(DuplicatePair, "status", pair.status, PairStatus.MERGED, [pair.pk])
    between.update(status=PairStatus.MERGED)
    theirs = DuplicatePair.objects.filter(Q(company_a=other) | Q(company_b=other)).exclude(
        pk__in=ids
    )
    for pair in theirs:
        third = pair.company_b_id if pair.company_a_id == other.pk else pair.company_a_id
        a, b = sorted((survivor.pk, third))
        if DuplicatePair.objects.filter(company_a_id=a, company_b_id=b).exists():
            continue  # removed with the other company, restored on undo
        # Both columns in one logged change: undone one at a time, a pair could pass
        # through (x, x) and break the a < b rule.
        fields = ["company_a_id", "company_b_id"]
        mover.log(DuplicatePair, fields, [pair.company_a_id, pair.company_b_id], [a, b], [pair.pk])
        DuplicatePair.objects.filter(pk=pair.pk).update(company_a_id=a, company_b_id=b)
    return ids


def _combine_accounts(
    mover: Mover, survivor: Company, other: Company, removed: list[dict]
) -> list[tuple[str, int, int]]:
    """Each account of the other company whose business unit already has an account with
    the survivor gives everything to that account and is removed."""
    theirs = {a.business_unit_id: a for a in survivor.accounts.all()}
    combined = []
    for account in other.accounts.order_by("id"):
        into = theirs.get(account.business_unit_id)
        if into is None:
            continue
        for link in account_links():
            if link.model is MergeRecord:
                continue
            mover.move(link, account.pk, into.pk)
        line = _("（合并：原档案编号 %(no)s）") % {"no": account.archive_no}
        notes = f"{into.notes}\n{line}".strip()
        mover.log(CustomerAccount, "notes", into.notes, notes, [into.pk])
        CustomerAccount.objects.filter(pk=into.pk).update(notes=notes)
        into.notes = notes
        combined.append((account.archive_no, account.pk, into.pk))
        removed += remove(account, mover)  # (Django clears the pk of a deleted instance)
        mover.counts["customers.customeraccount"] += 1
    return combined


@transaction.atomic
def merge_companies(
    *, actor: User, survivor: Company, other: Company, choices: dict[str, str] | None = None
) -> MergeRecord:
    """Merge ``other`` into ``survivor`` (see the module's description), atomically."""
    ids = sorted({survivor.pk, other.pk})
    list(Company.objects.select_for_update().filter(pk__in=ids))  # one merge at a time
    survivor, other = check_merge_rights(actor, survivor.pk, other.pk)
    picks = resolve_choices(propose(survivor, other), choices)
    other_row = _serialise([other])[0]
    before = snapshot(survivor)
    taken = {f: side for f, side in picks.items() if side == OTHER}
    survivor_before = {f: _field_value(survivor, f) for f in COMPANY_FIELDS}
    for name in taken:
        setattr(survivor, name, getattr(other, name))
    if other.uscc and survivor.uscc == other.uscc and picks.get("uscc") == OTHER:
        # One USCC per company: the other gives its code up first.
        Company.objects.filter(pk=other.pk).update(uscc=None)
    clean_company(survivor)
    survivor.version += 1
    survivor.save()
    survivor_after = {f: _field_value(survivor, f) for f in COMPANY_FIELDS}
    changed = [f for f in COMPANY_FIELDS if survivor_before[f] != survivor_after[f]]

    mover, removed = Mover(), []
    combined = _combine_accounts(mover, survivor, other, removed)
    for link in company_links():
        mover.move(link, other.pk, survivor.pk)
    pair_ids = _move_pairs(mover, survivor, other)
    other_pk = other.pk
    removed += remove(other, mover, replace=other_row)
    search.delete_docs([other_pk])
    reindex_companies([survivor.pk])
    index_company(survivor)

    record = MergeRecord.objects.create(
        actor=actor,
        actor_name=getattr(actor, "full_name", "") or actor.get_username(),
        survivor=survivor,
        survivor_ref=survivor.pk,
        survivor_name=survivor.name,
        other_ref=other_pk,
        other_name=other_row["fields"]["name"],
        other_uscc=other_row["fields"].get("uscc") or "",
        other_snapshot=other_row,
        survivor_before={f: survivor_before[f] for f in changed},
        survivor_after={f: survivor_after[f] for f in changed},
        choices=picks,
        moves=mover.moves,
        removed=removed,
        pair_ids=pair_ids,
        counts=dict(mover.counts),
    )
    MergedArchiveNo.objects.bulk_create(
        MergedArchiveNo(record=record, archive_no=no, account_ref=pk, into_account_ref=into)
        for no, pk, into in combined
    )
    _history_of_merge(actor, record, survivor, other_pk, before, other_row)
    return record


def _history_of_merge(actor, record, survivor, other_pk, before, other_row) -> None:
    record_change(
        actor=actor,
        action="update",
        instance=survivor,
        before=before,
        after=snapshot(survivor),
        company_id=survivor.pk,
    )
    summary = {"survivor_id": survivor.pk, "other_id": other_pk, "moved": record.counts}
    record_change(
        actor=actor, action="create", instance=record, after=summary, company_id=survivor.pk
    )
    title = _("合并客户：%(other)s（#%(id)d）并入本客户") % {
        "other": record.other_name,
        "id": other_pk,
    }
    record_event(
        company_id=survivor.pk,
        kind=EventKind.CHANGE,
        occurred_at=record.merged_at,
        instance=record,
        title=title,
        detail={"merge_id": record.pk, "other_id": other_pk},
        actor=actor,
    )
    gone = Company(pk=other_pk, name=record.other_name)
    record_change(
        actor=actor,
        action="delete",
        instance=gone,
        before=other_row["fields"] | {"merged_into": None},
        after={"merged_into": survivor.pk},
        company_id=other_pk,
    )
    # (its timeline shows the deletion entry, which names the survivor in merged_into)


# --- undo -------------------------------------------------------------------------------------
def check_undo_rights(actor: User, record: MergeRecord) -> Company:
    """The survivor, if the actor may undo this merge: the same rights as merging (the other
    company's accounts are checked on the survivor, where they now are)."""
    require_action(actor, Action.MERGE)
    if record.survivor_id is None:
        raise MergeRecord.DoesNotExist(record.pk)
    survivor = _visible_company(actor, record.survivor_id)
    require_action(actor, Action.EDIT)
    return survivor


def _undo_blockers(record: MergeRecord, survivor: Company) -> None:
    if record.undone_at is not None:
        raise field_error("merge", _("该合并已撤销。"), "already_undone")
    if Company.objects.filter(pk=record.other_ref).exists():
        raise field_error("merge", _("被合并客户的编号已被占用，无法恢复。"), "id_taken")
    now = {f: _field_value(survivor, f) for f in record.survivor_after}
    edited = [f for f, v in record.survivor_after.items() if now[f] != v]
    if edited:
        labels = "、".join(str(Company._meta.get_field(f).verbose_name) for f in edited)
        raise field_error(
            edited[0],
            _(
                "合并后保留客户的以下字段已被修改：%(f)s。请先改回合并时的值再撤销，以免覆盖他人的修改。"
            )
            % {"f": labels},
            "changed_since_merge",
        )
    own = record.survivor_before.get("uscc")
    if own and Company.objects.filter(uscc=own).exclude(pk=survivor.pk).exists():
        raise field_error(
            "uscc",
            _("统一社会信用代码 %(u)s 已被其他客户使用，无法恢复被合并的客户。") % {"u": own},
            "duplicate",
        )
    uscc = record.other_snapshot["fields"].get("uscc")
    keeps = record.survivor_before.get("uscc", survivor.uscc)
    if uscc and (
        Company.objects.filter(uscc=uscc).exclude(pk=survivor.pk).exists() or keeps == uscc
    ):
        raise field_error(
            "uscc",
            _("统一社会信用代码 %(u)s 已被其他客户使用，无法恢复被合并的客户。") % {"u": uscc},
            "duplicate",
        )


def _account_reach(actor: User, record: MergeRecord, other: Company) -> None:
    """Edit reach on every account of the restored company and on every account that gave
    rows back (it had received a combined account). Checked once they are back, inside the
    undo's transaction: a refusal rolls everything back."""
    ids = set(other.accounts.values_list("pk", flat=True))
    ids |= set(record.archive_nos.values_list("into_account_ref", flat=True))
    accounts = CustomerAccount.objects.filter(pk__in=ids).select_related(
        "business_unit", "owner_unit"
    )
    reach = set(visible_accounts(actor).filter(pk__in=ids).values_list("pk", flat=True))
    blocked = sorted({where(a) for a in accounts if a.pk not in reach})
    if blocked:
        raise PermissionDenied(
            _("该客户在“%(units)s”有您无权编辑的账户，不能撤销合并。")
            % {"units": "、".join(blocked)}
        )


@transaction.atomic
def unmerge(*, actor: User, record: MergeRecord) -> Company:
    """Undo a merge: the other company comes back with its original id, every moved row goes
    back, removed rows are recreated with their ids (accounts with their archive numbers),
    and the survivor's fields return to their values before the merge. Refused when the
    survivor's merged fields were edited since (the edit would be silently overwritten).
    Rows deleted since the merge stay deleted; rows created since stay with the survivor."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    survivor = check_undo_rights(actor, record)
    survivor = Company.objects.select_for_update().get(pk=survivor.pk)
    _undo_blockers(record, survivor)
    before = snapshot(survivor)
    for name, value in record.survivor_before.items():
        setattr(survivor, name, Company._meta.get_field(name).to_python(value))
    survivor.version += 1
    survivor.save()
    try:
        with transaction.atomic():
            for obj in serializers.deserialize("python", reversed(record.removed)):
                obj.save()
    except IntegrityError:
        # Something created since the merge now holds a unique value of a removed row.
        raise field_error(
            "merge", _("合并后新建的记录与要恢复的记录冲突，无法撤销。"), "restore_conflict"
        ) from None
    for move in reversed(record.moves):
        # Only rows that still hold the merged value go back: a row changed since keeps its
        # change, a row deleted since stays deleted.
        model, field = apps.get_model(move["model"]), move["field"]
        fields = field if isinstance(field, list) else [field]
        new = move["new"] if isinstance(field, list) else [move["new"]]
        old = move["old"] if isinstance(field, list) else [move["old"]]
        for start in range(0, len(move["pks"]), BATCH):
            model._base_manager.filter(
                pk__in=move["pks"][start : start + BATCH], **dict(zip(fields, new, strict=True))
            ).update(**dict(zip(fields, old, strict=True)))
    DuplicatePair.objects.filter(pk__in=record.pair_ids).update(
        status=PairStatus.SAME,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    other = Company.objects.get(pk=record.other_ref)
    _account_reach(actor, record, other)
    reindex_companies([survivor.pk, other.pk])
    index_company(survivor)
    index_company(other)
    record.undone_at, record.undone_by = timezone.now(), actor
    record.save(update_fields=["undone_at", "undone_by"])
    _history_of_undo(actor, record, survivor, other, before)
    return other


def _history_of_undo(actor, record, survivor, other, before) -> None:
    record_change(
        actor=actor,
        action="update",
        instance=survivor,
        before=before,
        after=snapshot(survivor),
        company_id=survivor.pk,
    )
    record_change(
        actor=actor,
        action="update",
        instance=record,
        before={"undone_at": None},
        after={"undone_at": _plain(record.undone_at)},
        company_id=survivor.pk,
    )
    record_event(
        company_id=survivor.pk,
        kind=EventKind.CHANGE,
        occurred_at=record.undone_at,
        instance=record,
        title=_("撤销合并：%(o)s（#%(id)d）已恢复为独立客户") % {"o": other.name, "id": other.pk},
        detail={"merge_id": record.pk, "other_id": other.pk},
        actor=actor,
    )
    record_change(
        actor=actor,
        action="create",
        instance=other,
        after=snapshot(other) | {"merged_into": None},
        before={"merged_into": survivor.pk},
        company_id=other.pk,
    )
    record_event(
        company_id=other.pk,
        kind=EventKind.CHANGE,
        occurred_at=record.undone_at,
        instance=record,
        title=_("撤销合并：本客户已从 %(s)s（#%(id)d）恢复")
        % {"s": survivor.name, "id": survivor.pk},
        detail={"merge_id": record.pk, "survivor_id": survivor.pk},
        actor=actor,
    )


def survivor_of(company_id: int) -> int | None:
    """The company a merge folded ``company_id`` into (the newest merge not undone), for links
    that still point at the merged-away company. Not scoped: the caller checks the survivor."""
    return (
        MergeRecord.objects.filter(other_ref=company_id, undone_at__isnull=True)
        .order_by("-merged_at", "-id")
        .values_list("survivor_ref", flat=True)
        .first()
    )
