"""Importing a business-registry snapshot (工商登记) from CSV (UTF-8, UTF-8 with BOM,
GBK/GB18030) or Excel, as the registry or a data vendor publishes it.

Reading, header synonyms and the row report are the watch-list import's
(:mod:`xinren.kyc.list_import`, :mod:`xinren.core.tables`); what is here is the registry's
columns and their rules:

* 统一社会信用代码 required, GB 32100 check character (the record's identity);
* 企业名称 required;
* 登记状态 required: 存续/在业/开业/在营/在册 → active; 注销, 吊销 (吊销，未注销 too), 停业,
  清算, 迁出; published forms such as ``存续（在营、开业、在册）`` are read by their first word;
* 注册资本: ``500万元人民币``, ``500万``, ``5000000`` → yuan (:func:`parse_capital`); another
  currency is refused (the record keeps yuan only);
* 成立日期 as any import date; 股东 as ``张三(51%);李四(49%)`` (separators ``;；,，、`` or a
  line break, a share in half- or full-width brackets, optional), shares 0–100 and at most
  100 in total; 涉诉案件数 a whole number ≥ 0 (``3件`` accepted).

:func:`import_registry` applies a parsed file: one :class:`RegistrySnapshot` per import and
an upsert of :class:`RegistryRecord` by USCC. Records not in the file are left alone (a
snapshot may cover only some companies); a record last set from a snapshot dated after this
one's ``as_of`` is not overwritten by older data (counted as ``older``). Mode ``all``
(default) stores nothing when any row breaks a rule; ``valid`` stores the valid rows.
Rows with the same USCC are merged into the first and reported.

:func:`start_registry_import` is the door pages and the API use: a small file (at most
:data:`INLINE_MAX_ROWS` rows, about a second of work) is imported in the request and its
report returned; a larger one is saved under the data directory and imported by the
background worker as a job (``kyc_registry_import``, :func:`xinren.kyc.tasks.import_registry_file`)
whose result is :func:`report_result` — the same counts and row report — so the page and
``GET /api/v1/jobs/{id}`` show it when the job ends.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.models import ChangeLog
from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.tables import parse_capital, parse_date, read_table, stash_dir
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.standards.names import name_key
from xinren.standards.uscc import normalize_uscc, uscc_problem

from .list_import import Columns, ImportFileError, RowProblem
from .models import RegistryRecord, RegistrySnapshot, RegistryStatus
from .services import mode_errors

BATCH = 2000
# Files up to this many data rows are imported in the request: about a second of work (under
# the two-second progress-bar rule), and the caller gets the report in one answer. A file
# larger than INLINE_MAX_BYTES is not even read in the request (it cannot fit anyway).
INLINE_MAX_ROWS = 2000
INLINE_MAX_BYTES = 1024 * 1024
PROGRESS_EVERY_ROWS = 500
MAX_KEPT = 1000  # row problems kept with a job's result (the page shows the first 200)
JOB_KIND = "kyc_registry_import"

SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "名称", "市场主体名称", "主体名称", "单位名称", "公司名称", "name",
             "company", "company_name"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "uscc", "credit_code"),
    "legal_rep": ("法定代表人", "法定代表人/负责人", "法人代表", "负责人", "经营者",
                  "执行事务合伙人", "legal_rep", "legal_representative"),
    "status": ("登记状态", "经营状态", "企业状态", "状态", "status"),
    "registered_capital": ("注册资本", "注册资金", "registered_capital", "capital"),
    "established_on": ("成立日期", "成立时间", "注册日期", "established_on", "founded_on"),
    "address": ("住所", "注册地址", "地址", "经营场所", "address"),
    "shareholders": ("股东", "股东信息", "股东及出资比例", "投资人", "shareholders"),
    "lawsuit_count": ("涉诉案件数", "诉讼数量", "涉诉数量", "法律诉讼", "裁判文书数",
                      "lawsuit_count", "lawsuits"),
}  # fmt: skip

# Published status words → RegistryStatus. 存续 and its synonyms are good standing.
STATUS_WORDS: dict[str, str] = {
    "存续": RegistryStatus.ACTIVE, "在业": RegistryStatus.ACTIVE,
    "开业": RegistryStatus.ACTIVE, "在营": RegistryStatus.ACTIVE,
    "在册": RegistryStatus.ACTIVE, "正常": RegistryStatus.ACTIVE,
    "注销": RegistryStatus.CANCELLED, "已注销": RegistryStatus.CANCELLED,
    "吊销": RegistryStatus.REVOKED, "已吊销": RegistryStatus.REVOKED,
    "停业": RegistryStatus.SUSPENDED, "歇业": RegistryStatus.SUSPENDED,
    "清算": RegistryStatus.LIQUIDATING, "迁出": RegistryStatus.MOVED_OUT,
    **{s.value: s.value for s in RegistryStatus},
}  # fmt: skip
RECORD_FIELDS = (
    "name", "name_key", "legal_rep", "status", "registered_capital", "established_on",
    "address", "shareholders", "lawsuit_count",
)  # fmt: skip


def parse_status(text: str) -> str | None:
    """``存续`` → ``active``; ``存续（在营、开业、在册）`` and ``吊销，未注销`` by their first
    word; None when not a registry status."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    if text in STATUS_WORDS:
        return STATUS_WORDS[text]
    first = re.split(r"[(（,，、;；\s]", text, maxsplit=1)[0]
    return STATUS_WORDS.get(first)


_SHARE = re.compile(r"^(?P<name>.+?)\s*(?:[(（:：]\s*)?(?P<pct>\d+(?:\.\d+)?)\s*%\s*[)）]?$")


def parse_shareholders(text: str) -> list[dict]:
    """``张三(51%);李四（49%）`` → ``[{"name": "张三", "share_percent": "51.00"}, …]``; a
    shareholder without a share has ``share_percent`` None. Raises ``ValueError`` naming
    the problem."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return []
    out: list[dict] = []
    total = Decimal(0)
    for part in re.split(r"[;；\n、]|,(?![^()]*\))", text):
        part = part.strip()
        if not part:
            continue
        m = _SHARE.match(part)
        if m is None:
            out.append({"name": part[:200], "share_percent": None})
            continue
        share = Decimal(m["pct"]).quantize(Decimal("0.01"))
        if share > 100:
            raise ValueError(_("股东 %(name)s 的持股比例超过 100%%。") % {"name": m["name"]})
        total += share
        out.append({"name": m["name"].strip()[:200], "share_percent": str(share)})
    if total > Decimal("100.01"):
        raise ValueError(_("股东持股比例合计 %(total)s%%，超过 100%%。") % {"total": total})
    return out


def parse_count(text: str) -> int:
    """``3``, ``3件``, ``3 起`` → 3; raises ``ValueError`` for anything else."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    m = re.fullmatch(r"(\d{1,9})(?:\.0+)?\s*(?:件|起|个)?", text)
    if m is None:
        raise ValueError(text)
    return int(m[1])


@dataclass(frozen=True)
class RegistryRow:
    row: int
    uscc: str
    name: str
    name_key: str
    legal_rep: str
    status: str
    registered_capital: Decimal | None
    established_on: dt.date | None
    address: str
    shareholders: list
    lawsuit_count: int


@dataclass
class ParsedRegistry:
    header: list[str]
    total: int = 0
    rows: list[RegistryRow] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)  # reported, not errors

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


def parse_registry_file(
    content: bytes, filename: str, on_progress: Callable[..., None] | None = None
) -> ParsedRegistry:
    """Every row checked; raises ``ImportFileError`` for a file that cannot be read at all
    (encoding, format, size, no USCC or name column, no data rows). ``on_progress(done,
    total, message)`` counts checked rows of twice the row count (the writes are the second
    half)."""
    if on_progress:
        on_progress(0, None, _("读取文件"))
    header, rows = read_table(content, filename)
    columns = Columns(header, SYNONYMS)
    missing = [label for key, label in (("uscc", "统一社会信用代码"), ("name", "企业名称"),
               ("status", "登记状态")) if key not in columns]  # fmt: skip
    if missing:
        raise ImportFileError(_("缺少必需的列：%(cols)s。") % {"cols": "、".join(missing)})
    if not rows:
        raise ImportFileError(_("文件中没有登记记录（只有表头）。"))
    parsed = ParsedRegistry(header=header, total=len(rows))
    seen: dict[str, int] = {}
    cell, column = columns.cell, columns.name
    today = timezone.localdate()

    for n, row in enumerate(rows):
        if on_progress and n % PROGRESS_EVERY_ROWS == 0:
            on_progress(n, 2 * len(rows), _("检查行"))
        row_no = n + 2
        problems: list[RowProblem] = []

        def bad(canonical: str, rule: str, message: str) -> None:
            problems.append(RowProblem(row_no, column(canonical), rule, message))  # noqa: B023

        name = cell(row, "name")[:200]
        if not name:
            bad("name", "required", _("企业名称必填。"))
        uscc = normalize_uscc(cell(row, "uscc"))
        if not uscc:
            bad("uscc", "required", _("统一社会信用代码必填。"))
        elif problem := uscc_problem(uscc):
            bad("uscc", f"uscc_{problem[0]}", problem[1])
        status_text = cell(row, "status")
        status = parse_status(status_text)
        if not status_text:
            bad("status", "required", _("登记状态必填。"))
        elif status is None:
            bad(
                "status",
                "status",
                _("登记状态应为：存续（在业、开业、在营）、注销、吊销、停业、清算或迁出。"),
            )
        capital = None
        if text := cell(row, "registered_capital"):
            try:
                capital = parse_capital(text)
                if capital < 0 or capital >= Decimal("1e16"):
                    raise InvalidOperation(text)
            except (InvalidOperation, ValueError):
                bad("registered_capital", "capital",
                    _("注册资本应为人民币金额，如 500万元人民币、500万 或 5000000。"))  # fmt: skip
        established = None
        if text := cell(row, "established_on"):
            try:
                established = parse_date(text)
            except ValueError:
                bad("established_on", "date", _("日期格式应为 YYYY-MM-DD（如 2016-03-01）。"))
            else:
                if established > today:
                    bad("established_on", "future", _("成立日期不能晚于今天。"))
        shareholders: list = []
        try:
            shareholders = parse_shareholders(cell(row, "shareholders"))
        except ValueError as exc:
            bad("shareholders", "shareholders", str(exc))
        lawsuits = 0
        if text := cell(row, "lawsuit_count"):
            try:
                lawsuits = parse_count(text)
            except ValueError:
                bad("lawsuit_count", "count", _("涉诉案件数应为不小于 0 的整数。"))
        if problems:
            parsed.errors.extend(problems)
            continue
        item = RegistryRow(
            row=row_no, uscc=uscc, name=name, name_key=name_key(name),
            legal_rep=cell(row, "legal_rep")[:100], status=status,
            registered_capital=capital, established_on=established,
            address=cell(row, "address")[:300], shareholders=shareholders,
            lawsuit_count=lawsuits,
        )  # fmt: skip
        first = seen.get(uscc)
        if first is not None:
            parsed.duplicates.append(
                RowProblem(row_no, column("uscc"), "duplicate",
                           _("与第 %(row)s 行是同一企业，已合并（保留第一行）。") % {"row": first})
            )  # fmt: skip
            continue
        seen[uscc] = row_no
        parsed.rows.append(item)
    return parsed


# --- the import (a write) --------------------------------------------------------------------
@dataclass
class RegistryImportReport:
    mode: str
    snapshot: RegistrySnapshot | None = None
    total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # the same facts as stored: only the snapshot reference moves on
    older: int = 0  # the stored record comes from a newer snapshot: kept
    errors: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)
    applied: bool = False

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


def _check_fields(source: str, as_of, mode: str) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if not source:
        errors["source"] = [ValidationError(_("数据来源必填。"), code="required")]
    elif len(source) > 200:
        errors["source"] = [ValidationError(_("数据来源最多 200 个字。"), code="max_length")]
    if not isinstance(as_of, dt.date):
        errors["as_of"] = [ValidationError(_("数据日期必填（YYYY-MM-DD）。"), code="required")]
    elif as_of > timezone.localdate():
        errors["as_of"] = [ValidationError(_("数据日期不能晚于今天。"), code="future")]
    errors.update(mode_errors(mode))
    if errors:
        raise ValidationError(errors)


def import_registry(
    *,
    actor: User,
    content: bytes,
    filename: str = "",
    source: str,
    as_of: dt.date,
    mode: str = "all",
    on_progress: Callable[..., None] | None = None,
) -> RegistryImportReport:
    """Import a registry snapshot file (configure right). A file that cannot be read is a
    ``ValidationError`` on ``file``; row problems are in the report, and in mode ``all`` any
    of them means nothing is stored. ``on_progress(done, total, message)`` as for a job."""
    require_action(actor, Action.CONFIGURE)
    source = (source or "").strip()
    _check_fields(source, as_of, mode)
    try:
        parsed = parse_registry_file(content, filename, on_progress)
    except ImportFileError as exc:
        raise field_error("file", str(exc), "file") from None
    report = RegistryImportReport(
        mode=mode, total=parsed.total, errors=parsed.errors, duplicates=parsed.duplicates
    )
    if parsed.errors and mode == "all":
        if on_progress:
            on_progress(2 * parsed.total, 2 * parsed.total, _("有错误行，未写入"))
        return report  # nothing stored
    with transaction.atomic():
        snap = RegistrySnapshot.objects.create(
            source=source, as_of=as_of, imported_at=timezone.now(),
            imported_by=actor if actor.pk else None,
        )  # fmt: skip
        _upsert(snap, parsed.rows, report, on_progress, parsed.total)
        snap.record_count = report.added + report.updated + report.unchanged
        snap.save(update_fields=["record_count"])
        record_change(actor=actor, action=ChangeLog.Action.CREATE, instance=snap,
                      after=snapshot(snap))  # fmt: skip
    report.snapshot = snap
    report.applied = True
    return report


def _upsert(
    snap: RegistrySnapshot,
    rows: list[RegistryRow],
    report: RegistryImportReport,
    on_progress: Callable[..., None] | None = None,
    total: int = 0,
):
    """New records inserted in bulk; changed ones updated in bulk; unchanged ones (a re-import)
    only move on to this snapshot, in one UPDATE per batch (``bulk_update``'s CASE per field
    is the slow path, kept for real changes)."""
    now = timezone.now()
    total = max(total, len(rows))
    skipped = total - len(rows)  # rows with errors or merged duplicates: nothing to write
    for start in range(0, len(rows), BATCH):
        if on_progress:
            on_progress(total + skipped + start, 2 * total, _("写入记录"))
        chunk = rows[start : start + BATCH]
        stored = {
            r.uscc: r
            for r in RegistryRecord.objects.filter(uscc__in=[x.uscc for x in chunk]).select_related(
                "snapshot"
            )
        }
        new, changed, same = [], [], []
        for row in chunk:
            values = {f: getattr(row, f) for f in RECORD_FIELDS}
            record = stored.get(row.uscc)
            if record is None:
                new.append(RegistryRecord(uscc=row.uscc, snapshot=snap, **values))
            elif record.snapshot.as_of > snap.as_of:
                report.older += 1
            elif all(getattr(record, f) == v for f, v in values.items()):
                same.append(record.pk)
            else:
                for f, v in values.items():
                    setattr(record, f, v)
                record.snapshot = snap
                record.updated_at = now
                changed.append(record)
        RegistryRecord.objects.bulk_create(new, batch_size=BATCH)
        RegistryRecord.objects.bulk_update(
            changed, [*RECORD_FIELDS, "snapshot", "updated_at"], batch_size=250
        )
        RegistryRecord.objects.filter(pk__in=same).update(snapshot=snap)
        report.added += len(new)
        report.updated += len(changed)
        report.unchanged += len(same)
    if on_progress:
        on_progress(2 * total, 2 * total, _("写入记录"))


# --- the door of pages and the API: small files now, large ones as a job ----------------------
def _fits_inline(content: bytes, filename: str) -> bool:
    """At most INLINE_MAX_ROWS data rows. A file that cannot be read is answered in the
    request too (the error is immediate)."""
    if len(content) > INLINE_MAX_BYTES:
        return False
    try:
        _header, rows = read_table(content, filename)
    except ImportFileError:
        return True
    return len(rows) <= INLINE_MAX_ROWS


def start_registry_import(
    *,
    actor: User,
    content: bytes,
    filename: str = "",
    source: str,
    as_of: dt.date,
    mode: str = "all",
    language: str = "zh-hans",
):
    """``(report, None)`` for a small file imported now, ``(None, job)`` for a large one
    handed to the worker (the file saved under the data directory, removed by the job). Rights
    and the form fields are checked here either way, so they are refused at once."""
    require_action(actor, Action.CONFIGURE)
    _check_fields((source or "").strip(), as_of, mode)
    if _fits_inline(content, filename):
        report = import_registry(actor=actor, content=content, filename=filename,
                                 source=source, as_of=as_of, mode=mode)  # fmt: skip
        return report, None
    from xinren.jobs.services import submit

    folder = stash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"registry{actor.pk}-{uuid.uuid4().hex}"
    path.write_bytes(content)
    try:
        job = submit(
            JOB_KIND, actor, "xinren.kyc.tasks.import_registry_file",
            actor_id=actor.pk, path=str(path), filename=filename, source=source,
            as_of=as_of.isoformat(), mode=mode, language=language,
        )  # fmt: skip
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return None, job


def _problem(p: RowProblem) -> dict:
    return {"row": p.row, "column": p.column, "rule": p.rule, "message": str(p.message)}


def report_message(report: RegistryImportReport) -> str:
    counts = {
        "total": report.total, "added": report.added, "updated": report.updated,
        "unchanged": report.unchanged, "older": report.older, "failed": report.failed_rows,
    }  # fmt: skip
    line = (
        _(
            "共 %(total)s 行：新增 %(added)s 家，更新 %(updated)s 家，未变 %(unchanged)s 家，"
            "保留较新数据 %(older)s 家，有错误 %(failed)s 行。"
        )
        % counts
    )
    if report.applied:
        return _("已导入：") + line
    return _("没有导入任何数据（“全部或全不”方式下有错误行）：") + line


def report_result(report: RegistryImportReport) -> dict:
    """The report as a job's result (JSON): the API's import answer, plus ``message`` and
    how many row problems were left out (the first MAX_KEPT of each kind are kept)."""
    return {
        "applied": report.applied,
        "snapshot_id": report.snapshot.pk if report.snapshot else None,
        "mode": report.mode,
        "total": report.total,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "older": report.older,
        "failed_rows": report.failed_rows,
        "errors": [_problem(e) for e in report.errors[:MAX_KEPT]],
        "duplicates": [_problem(e) for e in report.duplicates[:MAX_KEPT]],
        "errors_left_out": max(0, len(report.errors) - MAX_KEPT),
        "duplicates_left_out": max(0, len(report.duplicates) - MAX_KEPT),
        "file_error": "",
        "message": report_message(report),
    }
