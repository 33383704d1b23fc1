"""Every write of the watch lists: importing (replacing) a list, and a reviewer's decision on
a hit. Screening itself is in :mod:`xinren.kyc.screening`.

An import REPLACES the list's entries with the file's: entries in the file are added or
updated (a removed one that is listed again is reinstated), entries no longer in it get
``removed_on`` (today). Re-importing the same file changes nothing. Mode ``all`` (default)
refuses the whole file when any row breaks a rule; mode ``valid`` imports the valid rows
and reports the rest. Duplicates (within the file, by USCC or normalised name) are merged
into the first row and reported. After a successful import every company of the master is
screened again in the background (:func:`xinren.kyc.tasks.rescreen`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from xinren.audit.models import ChangeLog
from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.customers.selectors import visible_companies
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User

from .list_import import ImportFileError, ParsedFile, RowProblem, identity, parse_file
from .models import HitStatus, ListEntry, ListHit, ListKind, WatchList

MODES = ("all", "valid")


def mode_errors(mode: str) -> dict[str, list[ValidationError]]:
    """The one rule for an import's ``mode`` (watch lists, registry snapshots)."""
    if mode in MODES:
        return {}
    return {
        "mode": [
            ValidationError(
                _("导入方式只能是 all（全部或全不）或 valid（仅有效行）。"), code="choice"
            )
        ]
    }


ENTRY_FIELDS = ("uscc", "name", "name_key", "reason", "authority", "listed_on", "removed_on")


@dataclass
class ListImportReport:
    watch_list: WatchList | None
    mode: str
    total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # already on the list exactly so (a re-import)
    removed: int = 0  # on the list before, not in the file: removed_on set
    errors: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)
    applied: bool = False
    job: object | None = None  # the background re-screening, when one was started

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def _check_list_fields(kind: str, name: str, mode: str) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if kind not in ListKind.values:
        errors["kind"] = [
            ValidationError(
                _("名单类型只能是：%(kinds)s。") % {"kinds": "、".join(ListKind.values)},
                code="choice",
            )
        ]
    if not name.strip():
        errors["name"] = [ValidationError(_("名单名称必填。"), code="required")]
    elif len(name.strip()) > 100:
        errors["name"] = [ValidationError(_("名单名称最多 100 个字。"), code="max_length")]
    errors.update(mode_errors(mode))
    if errors:
        raise ValidationError(errors)


def import_list(
    *,
    actor: User,
    content: bytes,
    filename: str = "",
    kind: str,
    name: str,
    source: str = "",
    industry_scope: str = "",
    mode: str = "all",
    rescreen: bool = True,
) -> ListImportReport:
    """Import a list file into the list called ``name`` (created on first import). Needs the
    configure right. A file that cannot be read is a ``ValidationError`` on ``file``; row
    problems are in the report."""
    require_action(actor, Action.CONFIGURE)
    name = (name or "").strip()
    _check_list_fields(kind, name, mode)
    existing = WatchList.objects.filter(name=name).first()
    if existing is not None and existing.kind != kind:
        raise field_error(
            "kind",
            _("已有同名名单“%(name)s”，类型为“%(kind)s”：请选择相同类型或另起名称。")
            % {"name": name, "kind": existing.get_kind_display()},
            "mismatch",
        )
    try:
        parsed = parse_file(content, filename)
    except ImportFileError as exc:
        raise field_error("file", str(exc), "file") from None
    report = ListImportReport(
        watch_list=existing,
        mode=mode,
        total=parsed.total,
        errors=parsed.errors,
        duplicates=parsed.duplicates,
    )
    if parsed.errors and mode == "all":
        return report  # nothing stored
    with transaction.atomic():
        watch_list = existing or WatchList(kind=kind, name=name)
        before = snapshot(watch_list) if existing else None
        watch_list.source = (source or "").strip()[:200] or watch_list.source
        watch_list.industry_scope = (industry_scope or "").strip()[:100] or (
            watch_list.industry_scope
        )
        watch_list.imported_at = timezone.now()
        watch_list.imported_by = actor if actor.pk else None
        watch_list.save()
        _replace_entries(watch_list, parsed, report)
        watch_list.entry_count = watch_list.entries.filter(removed_on__isnull=True).count()
        watch_list.save(update_fields=["entry_count"])
        record_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE if existing else ChangeLog.Action.CREATE,
            instance=watch_list,
            before=before,
            after=snapshot(watch_list),
        )
    report.watch_list = watch_list
    report.applied = True
    if rescreen and report.changed:
        from xinren.jobs.services import submit

        report.job = submit(
            "kyc_rescreen",
            actor,
            "xinren.kyc.tasks.rescreen",
            actor_id=actor.pk,
            language=get_language() or "zh-hans",
        )
    return report


def _replace_entries(watch_list: WatchList, parsed: ParsedFile, report: ListImportReport) -> None:
    today = timezone.localdate()
    current: dict[str, ListEntry] = {}
    for entry in ListEntry.objects.filter(watch_list=watch_list).order_by("id"):
        current.setdefault(identity(entry.uscc, entry.name_key), entry)
    new: list[ListEntry] = []
    changed: list[ListEntry] = []
    in_file: set[str] = set()
    for row in parsed.rows:
        in_file.add(row.identity)
        values = {f: getattr(row, f) for f in ENTRY_FIELDS}
        entry = current.get(row.identity)
        if entry is None:
            new.append(ListEntry(watch_list=watch_list, **values))
            continue
        if all(getattr(entry, f) == v for f, v in values.items()):
            report.unchanged += 1
            continue
        for f, v in values.items():
            setattr(entry, f, v)
        changed.append(entry)
    keep = in_file | parsed.mentioned
    gone = [
        e.pk
        for key, e in current.items()
        if e.removed_on is None
        and key not in keep
        and identity(e.uscc, "") not in parsed.mentioned
        and identity("", e.name_key) not in parsed.mentioned
    ]
    ListEntry.objects.bulk_create(new, batch_size=2000)
    ListEntry.objects.bulk_update(changed, list(ENTRY_FIELDS), batch_size=2000)
    for start in range(0, len(gone), 2000):
        ListEntry.objects.filter(pk__in=gone[start : start + 2000]).update(removed_on=today)
    report.added, report.updated, report.removed = len(new), len(changed), len(gone)


DECISIONS = (HitStatus.CONFIRMED, HitStatus.DISMISSED, HitStatus.NEW)


def decide_hit(*, actor: User, hit_id: int, status: str, note: str = "") -> ListHit:
    """A reviewer confirms a hit (the company is the listed one) or dismisses it (a name-only
    match that is another company), or reopens it. Needs the approve right and the company
    in the reviewer's scope; dismissing needs a note saying why."""
    require_action(actor, Action.APPROVE)
    note = (note or "").strip()
    if status not in DECISIONS:
        raise field_error(
            "status",
            _("结论只能是：%(values)s。") % {"values": "、".join(DECISIONS)},
            "choice",
        )
    if status == HitStatus.DISMISSED and not note:
        raise field_error("note", _("排除命中时请写明理由。"), "required")
    if len(note) > 200:
        raise field_error("note", _("备注最多 200 个字。"), "max_length")
    with transaction.atomic():
        hit = (
            ListHit.objects.select_for_update()
            .filter(company__in=visible_companies(actor))
            .get(pk=hit_id)
        )
        if hit.closed_at is not None and status != hit.status:
            raise field_error(
                "status", _("该命中已解除（条目已移出名单），不能再作结论。"), "closed"
            )
        before = snapshot(hit, ["status", "note"])
        hit.status = status
        hit.note = note
        hit.decided_by = actor if status != HitStatus.NEW else None
        hit.decided_at = timezone.now() if status != HitStatus.NEW else None
        hit.save(update_fields=["status", "note", "decided_by", "decided_at"])
        record_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            instance=hit,
            before=before,
            after=snapshot(hit, ["status", "note"]),
            company_id=hit.company_id,
        )
    return hit
