"""Imports of orders, payment milestones and receipts from CSV or Excel (an ERP export).

``run_import(actor=…, kind=…, content=…, filename=…)`` reads the file (CSV in UTF-8, UTF-8
with BOM or GBK/GB18030, sniffed; ``.xlsx``/``.xls``/``.ods`` through python-calamine), maps
Chinese or English header synonyms to fields, matches every row to a customer account in the
importer's scope, and writes each row through the ordinary services (rights, validation,
history, timeline), each row in its own savepoint inside one transaction:

- mode ``all`` (default): any bad row → the whole transaction is rolled back, nothing stored;
- mode ``valid``: the good rows are kept, the bad ones reported;
- ``dry_run``: everything is checked exactly as for real, then rolled back.

Re-running a file is harmless: an order whose number the account already has, a receipt
whose reference the account already has, a milestone identical to an existing one are
*skipped* and counted. Accounts are matched by archive number or USCC; a USCC must resolve to
exactly one account of the importer's own subsidiary within their scope. A row naming a
customer outside the importer's scope is an error ("not found"), never a write.

Written for a background job: ``on_progress(done, total)`` is called as rows are processed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinren.core.errors import error_items
from xinren.core.tables import (  # noqa: F401 - re-exported: the sales import's own names
    MAX_BYTES,
    MAX_ROWS,
    ImportFileError,
    RowError,
    TableResult,
    clean_money,
    decode_csv,
    map_headers,
    parse_date,
    read_table,
    report_csv,
    report_rows,
    report_xlsx,
)
from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.standards.uscc import normalize_uscc

from . import services
from .models import Contract, Order, OrderSource, PaymentMilestone, Receipt

KINDS = ("orders", "receipts", "milestones")
MODES = ("all", "valid")

# canonical field → header names people use (compared after normalising: no spaces,
# half-width, lower case, no "*" required markers or parentheses content).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "archive_no": ("客户编号", "档案号", "档案编号", "客户档案号", "客户代码", "archive_no",
                   "archiveno", "customer_no", "customerno"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "税号", "uscc", "credit_code"),
    "number": ("订单号", "订单编号", "单号", "销售订单号", "order_no", "orderno", "order_number",
               "number"),
    "ordered_on": ("下单日期", "订单日期", "日期", "order_date", "ordered_on", "date"),
    "amount": ("金额", "订单金额", "含税金额", "到账金额", "收款金额", "应收金额", "amount"),
    "currency": ("币种", "货币", "币别", "currency"),
    "contract": ("合同编号", "合同号", "contract_no", "contract"),
    "notes": ("备注", "说明", "notes", "note", "remark"),
    "due_on": ("应收日期", "到期日", "到期日期", "付款到期日", "due_on", "due_date"),
    "credit_days": ("账期", "账期天数", "credit_days"),
    "reference": ("流水号", "银行流水号", "收款单号", "参考号", "回单号", "reference", "ref"),
    "received_on": ("到账日期", "收款日期", "回款日期", "received_on", "receipt_date"),
    "description": ("节点说明", "款项", "款项说明", "description"),
}  # fmt: skip
# In a receipts file a bare "日期" is the receipt date; in an orders file the order date.
KIND_SYNONYMS = {
    "receipts": {"received_on": ("日期", "date")},
    "milestones": {"due_on": ("日期", "date")},
}
REQUIRED = {
    "orders": ("number", "ordered_on", "amount"),
    "receipts": ("reference", "received_on", "amount"),
    "milestones": ("due_on", "amount"),
}
ALLOWED = {
    "orders": {"archive_no", "uscc", "number", "ordered_on", "amount", "currency", "contract",
               "notes", "due_on", "credit_days"},
    "receipts": {"archive_no", "uscc", "reference", "received_on", "amount", "currency",
                 "number", "due_on"},
    "milestones": {"archive_no", "uscc", "number", "contract", "due_on", "amount", "currency",
                   "description"},
}  # fmt: skip
# Service field names → the import field (so an error names the file's column).
SERVICE_FIELD = {
    "number": "number",
    "ordered_on": "ordered_on",
    "amount": "amount",
    "currency": "currency",
    "notes": "notes",
    "contract_id": "contract",
    "due_on": "due_on",
    "received_on": "received_on",
    "reference": "reference",
    "milestone_id": "number",
    "description": "description",
    "account_id": "archive_no",  # the credit policy's certificate_required names the account
}


@dataclass
class ImportResult(TableResult):
    kind: str = "orders"
    mode: str = "all"
    dry_run: bool = False
    total: int = 0
    created: int = 0  # rows that were (or, in a dry run / a refused file, would be) written
    skipped: int = 0  # already present
    applied: bool = False  # whether anything was stored


def map_columns(kind: str, header: list[str]) -> dict[str, int]:
    """canonical field → column index; refuses a file without the required columns."""
    synonyms = dict(SYNONYMS)
    for key, extra in KIND_SYNONYMS.get(kind, {}).items():
        synonyms[key] = synonyms[key] + extra
    columns = map_headers(header, {k: synonyms.get(k, ()) for k in sorted(ALLOWED[kind])})
    missing = [f for f in REQUIRED[kind] if f not in columns]
    if "archive_no" not in columns and "uscc" not in columns:
        missing.insert(0, "archive_no")
    if missing:
        names = "、".join(SYNONYMS[f][0] for f in missing)
        raise ImportFileError(
            _("缺少必需的列：%(names)s（表头可用中文或英文名称）。") % {"names": names}
        )
    return columns


# --- the run ----------------------------------------------------------------------------------
class _RowFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


class _Importer:
    def __init__(self, actor: User, kind: str, header: list[str], columns: dict[str, int]):
        self.actor = actor
        self.kind = kind
        self.header = header
        self.columns = columns
        self.accounts = visible_accounts(actor)
        self.business_unit_id = (
            actor.org_unit.business_unit_id if getattr(actor, "org_unit_id", None) else None
        )
        self._account_cache: dict[tuple[str, str], CustomerAccount | RowError] = {}

    def column(self, canonical: str) -> str:
        i = self.columns.get(canonical)
        return self.header[i] if i is not None else ""

    def value(self, row: list[str], canonical: str) -> str:
        i = self.columns.get(canonical)
        return row[i].strip() if i is not None and i < len(row) else ""

    def fail(self, row_no: int, canonical: str, rule: str, message) -> _RowFailed:
        return _RowFailed([RowError(row_no, self.column(canonical), rule, str(message))])

    def date(self, row_no: int, row: list[str], canonical: str, required: bool = True):
        text = self.value(row, canonical)
        if not text:
            if required:
                raise self.fail(row_no, canonical, "required", _("此项为必填项。"))
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise self.fail(
                row_no, canonical, "date", _("日期格式应为 YYYY-MM-DD（如 2026-03-01）。")
            ) from None

    # matching
    def account(self, row_no: int, row: list[str]) -> CustomerAccount:
        archive = unicodedata.normalize("NFKC", self.value(row, "archive_no")).upper()
        uscc = normalize_uscc(self.value(row, "uscc")) if self.value(row, "uscc") else ""
        key = (archive, uscc)
        if key not in self._account_cache:
            self._account_cache[key] = self._match(archive, uscc)
        found = self._account_cache[key]
        if isinstance(found, RowError):
            raise _RowFailed([RowError(row_no, found.column, found.rule, found.message)])
        return found

    def _match(self, archive: str, uscc: str) -> CustomerAccount | RowError:
        if not archive and not uscc:
            return RowError(
                0, self.column("archive_no") or self.column("uscc"), "required",
                _("请填写客户档案号或统一社会信用代码。"),
            )  # fmt: skip
        by_archive = by_uscc = None
        if archive:
            by_archive = self.accounts.filter(archive_no=archive).first()
            if by_archive is None:
                return RowError(
                    0, self.column("archive_no"), "account_not_found",
                    _("找不到该档案号的客户账户（或不在您的数据范围内）。"),
                )  # fmt: skip
        if uscc:
            candidates = self.accounts.filter(company__uscc=uscc)
            if self.business_unit_id is not None:
                candidates = candidates.filter(business_unit_id=self.business_unit_id)
            found = list(candidates[:2])
            if not found:
                return RowError(
                    0, self.column("uscc"), "account_not_found",
                    _("本公司在您的数据范围内没有该统一社会信用代码的客户账户。"),
                )  # fmt: skip
            if len(found) > 1:
                return RowError(
                    0, self.column("uscc"), "ambiguous",
                    _("该统一社会信用代码对应多个客户账户，请改用档案号。"),
                )  # fmt: skip
            by_uscc = found[0]
        if by_archive and by_uscc and by_archive.pk != by_uscc.pk:
            return RowError(
                0, self.column("uscc"), "account_mismatch",
                _("档案号与统一社会信用代码不是同一个客户账户。"),
            )  # fmt: skip
        return by_archive or by_uscc

    def service_errors(self, row_no: int, exc: ValidationError) -> _RowFailed:
        errors = []
        for item in error_items(exc):
            canonical = SERVICE_FIELD.get(item["field"].split(".")[0], "")
            errors.append(RowError(row_no, self.column(canonical), item["rule"], item["message"]))
        return _RowFailed(errors)

    # one row: "created" or "skipped"
    def apply(self, row_no: int, row: list[str]) -> str:
        account = self.account(row_no, row)
        try:
            return getattr(self, f"_apply_{self.kind}")(row_no, row, account)
        except ValidationError as exc:
            raise self.service_errors(row_no, exc) from None

    def _contract_id(self, row_no, row, account) -> int | None:
        number = self.value(row, "contract").upper()
        if not number:
            return None
        pk = Contract.objects.filter(account=account, number=number).values_list("pk", flat=True)
        if not pk:
            raise self.fail(row_no, "contract", "not_found", _("该客户账户没有此合同编号。"))
        return pk[0]

    def _apply_orders(self, row_no, row, account) -> str:
        number = self.value(row, "number")
        if number and Order.objects.filter(account=account, number=number).exists():
            return "skipped"
        ordered_on = self.date(row_no, row, "ordered_on")
        due_on = self.date(row_no, row, "due_on", required=False)
        days = self.value(row, "credit_days")
        if due_on is None and days:
            if not days.isdigit() or not 0 <= int(days) <= 365:
                raise self.fail(row_no, "credit_days", "range", _("账期天数应在 0 到 365 天之间。"))
            due_on = ordered_on + dt.timedelta(days=int(days))
        order = services.create_order(
            actor=self.actor,
            account=account,
            data={
                "number": number,
                "ordered_on": ordered_on,
                "amount": clean_money(self.value(row, "amount")),
                "currency": self.value(row, "currency"),
                "contract_id": self._contract_id(row_no, row, account),
                "notes": self.value(row, "notes"),
            },
            source=OrderSource.IMPORT,
        )
        if due_on is not None:
            services.create_milestone(
                actor=self.actor,
                account=account,
                data={"order_id": order.pk, "due_on": due_on, "amount": order.amount,
                      "description": "货款"},
            )  # fmt: skip
        return "created"

    def _open_milestone(self, row_no, row, account) -> PaymentMilestone:
        """The milestone a receipt pays: of the order named (if any), with the due date named
        (if any), the oldest one still open."""
        milestones = PaymentMilestone.objects.filter(account=account, paid_on__isnull=True)
        number = self.value(row, "number")
        if number:
            order = Order.objects.filter(account=account, number=number).first()
            if order is None:
                raise self.fail(row_no, "number", "not_found", _("该客户账户没有此订单号。"))
            milestones = milestones.filter(order=order)
        due_on = self.date(row_no, row, "due_on", required=False)
        if due_on is not None:
            milestones = milestones.filter(due_on=due_on)
        found = milestones.order_by("due_on", "pk").first()
        if found is None:
            column = "number" if number else ("due_on" if due_on else "amount")
            raise self.fail(row_no, column, "no_open_milestone", _("没有可核销的未结清收款节点。"))
        return found

    def _apply_receipts(self, row_no, row, account) -> str:
        reference = self.value(row, "reference")
        if not reference:
            raise self.fail(
                row_no, "reference", "required", _("导入到账必须有流水号（用于识别重复导入）。")
            )
        if Receipt.objects.filter(account=account, reference=reference).exists():
            return "skipped"
        received_on = self.date(row_no, row, "received_on")
        milestone = self._open_milestone(row_no, row, account)
        services.record_receipt(
            actor=self.actor,
            account=account,
            milestone_id=milestone.pk,
            data={
                "received_on": received_on,
                "amount": clean_money(self.value(row, "amount")),
                "currency": self.value(row, "currency"),
                "reference": reference,
            },
            source=OrderSource.IMPORT,
        )
        return "created"

    def _apply_milestones(self, row_no, row, account) -> str:
        due_on = self.date(row_no, row, "due_on")
        order_id = None
        number = self.value(row, "number")
        if number:
            order_id = (
                Order.objects.filter(account=account, number=number)
                .values_list("pk", flat=True)
                .first()
            )
            if order_id is None:
                raise self.fail(row_no, "number", "not_found", _("该客户账户没有此订单号。"))
        contract_id = self._contract_id(row_no, row, account)
        amount = clean_money(self.value(row, "amount"))
        description = self.value(row, "description")
        same = PaymentMilestone.objects.filter(
            account=account, due_on=due_on, order_id=order_id, description=description
        )
        if any(m.amount == _dec(amount) for m in same):
            return "skipped"
        services.create_milestone(
            actor=self.actor,
            account=account,
            data={
                "order_id": order_id,
                "contract_id": contract_id,
                "due_on": due_on,
                "amount": amount,
                "currency": self.value(row, "currency"),
                "description": description,
            },
        )
        return "created"


def _dec(text: str):
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def run_import(
    *,
    actor: User,
    kind: str,
    content: bytes,
    filename: str = "",
    mode: str = "all",
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a file (see the module text). Raises ``ImportFileError`` for a file that cannot
    be read at all and ``PermissionDenied`` without the create right; row problems are in the
    result's ``errors``."""
    if kind not in KINDS:
        raise ImportFileError(_("导入类型只能是 orders、receipts 或 milestones。"))
    if mode not in MODES:
        raise ImportFileError(_("导入方式只能是 all（全部或全不）或 valid（仅有效行）。"))
    require_action(actor, Action.CREATE)
    header, rows = read_table(content, filename)
    columns = map_columns(kind, header)
    result = ImportResult(kind=kind, mode=mode, dry_run=dry_run, header=header, rows=rows)
    result.total = len(rows)
    importer = _Importer(actor, kind, header, columns)
    step = max(1, len(rows) // 100)
    with transaction.atomic():
        for i, row in enumerate(rows):
            row_no = i + 2
            try:
                with transaction.atomic():
                    outcome = importer.apply(row_no, row)
            except _RowFailed as failed:
                result.errors.extend(failed.errors)
            except (PermissionDenied, ObjectDoesNotExist) as exc:
                result.errors.append(RowError(row_no, "", "forbidden", str(exc)))
            else:
                if outcome == "skipped":
                    result.skipped += 1
                else:
                    result.created += 1
            if on_progress is not None and ((i + 1) % step == 0 or i + 1 == len(rows)):
                on_progress(i + 1, len(rows))
        refuse = dry_run or (mode == "all" and result.errors)
        if refuse:
            transaction.set_rollback(True)
        result.applied = not refuse and result.created > 0
    if on_progress is not None and not rows:
        on_progress(0, 0)
    return result


# --- the error report -------------------------------------------------------------------------
def error_report_csv(result: ImportResult) -> bytes:
    return report_csv(report_rows(result))


def error_report_xlsx(result: ImportResult) -> bytes:
    return report_xlsx(report_rows(result))
