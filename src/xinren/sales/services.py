"""Every write of contracts, orders, payment milestones and receipts.

Each function checks the actor's right (``require_action``) and scope (the account must be one
the actor sees: otherwise ``CustomerAccount.DoesNotExist``, which every interface answers as
"not found"), validates with field-named errors, and writes the row, its change history and
its timeline event in one transaction.

Payment rules (decided here, documented in the README):

- a receipt is applied to exactly one milestone of the same account and currency; partial
  payments are allowed, but a receipt larger than the milestone's outstanding amount is
  refused (``overpayment``): money beyond what is owed is a different milestone or a refund,
  and must not silently hide as a negative balance;
- ``paid_amount`` is the sum of the milestone's receipts and ``paid_on`` the date the
  milestone became fully paid (the latest receipt date once the sum reaches the amount), both
  recomputed from the receipts on every record and reversal;
- a receipt cannot be dated in the future; reversing (deleting) a receipt recomputes its
  milestone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.customers.models import CustomerAccount, Document
from xinren.customers.selectors import visible_accounts, visible_documents
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.timeline.models import EventKind
from xinren.timeline.services import delete_events, record_event, update_events

from .credit import check_credit
from .models import (
    Contract,
    ContractStatus,
    Order,
    OrderLine,
    OrderSource,
    PaymentMilestone,
    PaymentTerms,
    Receipt,
)
from .money import CENT, label, parse_amount, parse_currency

MAX_CREDIT_DAYS = 365
# A renewal date later than a year after the contract ends is a typo, not a plan.
RENEWAL_GRACE_DAYS = 366
EARLIEST_DATE = dt.date(1990, 1, 1)

__all__ = [
    "create_contract",
    "update_contract",
    "delete_contract",
    "create_order",
    "update_order",
    "delete_order",
    "create_milestone",
    "update_milestone",
    "delete_milestone",
    "record_receipt",
    "reverse_receipt",
    "recompute_milestone",
]


# --- shared checks ----------------------------------------------------------------------------
def require_account(actor: User, account: CustomerAccount, action: str) -> CustomerAccount:
    """The actor holds ``action`` and sees the account; an account outside the scope is
    "not found" (never a 403 that confirms it exists)."""
    require_action(actor, action)
    if not visible_accounts(actor).filter(pk=account.pk).exists():
        raise CustomerAccount.DoesNotExist(_("客户账户不存在或不在您的数据范围内。"))
    return account


@contextmanager
def _unique(field: str, message: str):
    """A concurrent save that took the same number meanwhile: the database's unique constraint
    answers, and the user gets the same field error as the check before it."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise field_error(field, message, "unique") from None


def _text(data: dict, field: str, max_length: int, *, required: bool = False) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise field_error(field, _("此项为必填项。"), "required")
    if len(value) > max_length:
        raise field_error(field, _("最多 %(n)s 个字符。") % {"n": max_length}, "max_length")
    return value


def _date(data: dict, field: str, *, required: bool = True) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise field_error(field, _("请填写日期。"), "required")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise field_error(field, _("日期格式应为 YYYY-MM-DD。"), "date") from None
    if not isinstance(value, dt.date):
        raise field_error(field, _("日期格式应为 YYYY-MM-DD。"), "date")
    if value < EARLIEST_DATE or value.year > 2200:
        raise field_error(field, _("日期超出合理范围。"), "date_range")
    return value


def _at(day: dt.date, minutes: int) -> dt.datetime:
    """Local wall-clock time on ``day`` (events of dated records sort by their date, as the
    demo writes them)."""
    naive = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minutes)
    return timezone.make_aware(naive)


def _history(actor, action: str, instance, account: CustomerAccount, before=None, after=None):
    record_change(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=after,
        company_id=account.company_id,
        account_id=account.pk,
    )


def _event(actor, account: CustomerAccount, kind: str, instance, occurred_at, title, detail):
    record_event(
        company_id=account.company_id,
        account_id=account.pk,
        kind=kind,
        occurred_at=occurred_at,
        instance=instance,
        title=title,
        detail=detail,
        actor=actor,
    )


# --- contracts --------------------------------------------------------------------------------
CONTRACT_FIELDS = [
    "number",
    "title",
    "signed_on",
    "start_on",
    "end_on",
    "amount",
    "currency",
    "payment_terms",
    "credit_days",
    "renewal_on",
    "status",
    "notes",
]


def _contract_values(data: dict, current: Contract | None) -> dict[str, Any]:
    """Validated contract fields; ``data`` holds the fields to set (an update may hold some)."""
    merged = {f: getattr(current, f) for f in CONTRACT_FIELDS} if current else {}
    merged.update({k: v for k, v in data.items() if k in CONTRACT_FIELDS})
    v: dict[str, Any] = {}
    v["number"] = _text(merged, "number", 40, required=True).upper()
    clash = Contract.objects.filter(number=v["number"])
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise field_error("number", _("合同编号已存在。"), "unique")
    v["title"] = _text(merged, "title", 200, required=True)
    v["signed_on"] = _date(merged, "signed_on")
    v["start_on"] = _date(merged, "start_on")
    v["end_on"] = _date(merged, "end_on")
    if v["end_on"] < v["start_on"]:
        raise field_error("end_on", _("结束日期不能早于开始日期。"), "date_order")
    if v["signed_on"] > v["end_on"]:
        raise field_error("signed_on", _("签订日期不能晚于结束日期。"), "date_order")
    v["renewal_on"] = _date(merged, "renewal_on", required=False)
    if v["renewal_on"] is not None and not (
        v["start_on"] <= v["renewal_on"] <= v["end_on"] + dt.timedelta(days=RENEWAL_GRACE_DAYS)
    ):
        raise field_error(
            "renewal_on",
            _("续签日期应在合同开始之后、结束后一年以内。"),
            "renewal_range",
        )
    v["amount"] = parse_amount(merged.get("amount"), "amount")
    v["currency"] = parse_currency(merged.get("currency"))
    terms = merged.get("payment_terms") or PaymentTerms.CREDIT
    if terms not in PaymentTerms.values:
        raise field_error("payment_terms", _("付款方式只能是账期或预付款。"), "choice")
    v["payment_terms"] = terms
    days = merged.get("credit_days")
    if days in ("", None):
        days = None
    elif isinstance(days, bool) or not str(days).strip().isdigit():
        raise field_error("credit_days", _("账期天数应为整数。"), "type")
    else:
        days = int(days)
    if terms == PaymentTerms.CREDIT:
        if days is None:
            raise field_error("credit_days", _("账期付款须填写账期天数。"), "required")
        if not 1 <= days <= MAX_CREDIT_DAYS:
            raise field_error("credit_days", _("账期天数应在 1 到 365 天之间。"), "range")
    elif days is not None:
        raise field_error("credit_days", _("预付款合同不设账期天数。"), "prepayment_no_credit")
    v["credit_days"] = days
    status = merged.get("status") or ContractStatus.ACTIVE
    if status not in ContractStatus.values:
        raise field_error("status", _("合同状态无效。"), "choice")
    v["status"] = status
    v["notes"] = _text(merged, "notes", 2000)
    return v


def _contract_documents(
    actor: User, account: CustomerAccount, document_ids: Iterable[int] | None
) -> list[Document] | None:
    """Documents of the same company (company-level or this account's), visible to the actor."""
    if document_ids is None:
        return None
    ids = sorted({int(i) for i in document_ids})
    found = list(visible_documents(actor, account.company).filter(pk__in=ids))
    found = [d for d in found if d.account_id in (None, account.pk)]
    if len(found) != len(ids):
        raise field_error(
            "documents",
            _("只能关联本客户（本公司或本账户）已上传的附件。"),
            "same_company",
        )
    return found


def _contract_detail(c: Contract) -> dict:
    return {
        "number": c.number,
        "amount": str(c.amount),
        "currency": c.currency,
        "start_on": c.start_on.isoformat(),
        "end_on": c.end_on.isoformat(),
    }


def _contract_title(c: Contract) -> str:
    return f"签订合同 {c.number}"


@transaction.atomic
def create_contract(
    *,
    actor: User,
    account: CustomerAccount,
    data: dict,
    document_ids: Iterable[int] | None = None,
) -> Contract:
    require_account(actor, account, Action.CREATE)
    values = _contract_values(data, None)
    documents = _contract_documents(actor, account, document_ids)
    check_credit(account=account, kind="contract", values=values)
    with _unique("number", _("合同编号已存在。")):
        contract = Contract.objects.create(account=account, created_by=actor, **values)
    if documents:
        contract.documents.set(documents)
    after = {**snapshot(contract), "documents": [d.pk for d in documents or []]}
    _history(actor, "create", contract, account, after=after)
    _event(
        actor,
        account,
        EventKind.CONTRACT,
        contract,
        _at(contract.signed_on, 600),
        _contract_title(contract),
        _contract_detail(contract),
    )
    return contract


@transaction.atomic
def update_contract(
    *,
    actor: User,
    contract: Contract,
    data: dict,
    expected_version: int | None,
    document_ids: Iterable[int] | None = None,
) -> Contract:
    account = require_account(actor, contract.account, Action.EDIT)
    before = {
        **snapshot(contract),
        "documents": sorted(contract.documents.values_list("pk", flat=True)),
    }
    values = _contract_values(data, contract)
    documents = _contract_documents(actor, account, document_ids)
    for name, value in values.items():
        setattr(contract, name, value)
    save_versioned(contract, expected_version, [*CONTRACT_FIELDS, "updated_at"])
    if documents is not None:
        contract.documents.set(documents)
    after = {
        **snapshot(contract),
        "documents": sorted(contract.documents.values_list("pk", flat=True)),
    }
    _history(actor, "update", contract, account, before=before, after=after)
    update_events(
        contract,
        title=_contract_title(contract),
        detail=_contract_detail(contract),
        occurred_at=_at(contract.signed_on, 600),
    )
    return contract


@transaction.atomic
def delete_contract(*, actor: User, contract: Contract) -> None:
    """Delete a contract. Its orders and milestones stay (their contract link is cleared)."""
    account = require_account(actor, contract.account, Action.DELETE)
    before = snapshot(contract)
    pk = contract.pk
    _history(actor, "delete", contract, account, before=before)
    contract.delete()
    delete_events("sales.contract", [pk])


def _contract_of(account: CustomerAccount, contract_id, field: str = "contract") -> Contract | None:
    if contract_id in (None, ""):
        return None
    contract = Contract.objects.filter(pk=contract_id, account=account).first()
    if contract is None:
        raise field_error(field, _("该合同不属于此客户账户。"), "same_account")
    return contract


# --- orders -----------------------------------------------------------------------------------
def _lines(raw_lines: list[dict] | None) -> list[OrderLine]:
    lines: list[OrderLine] = []
    for i, raw in enumerate(raw_lines or []):
        prefix = f"lines.{i}"
        product = _text(raw, "product", 120, required=True) if raw.get("product") else ""
        if not product:
            raise field_error(f"{prefix}.product", _("请填写产品。"), "required")
        qty_raw = raw.get("quantity")
        if isinstance(qty_raw, float):
            raise field_error(f"{prefix}.quantity", _("数量须以十进制文本提供。"), "type")
        try:
            quantity = Decimal(str(qty_raw).strip())
        except Exception:  # noqa: BLE001 - any unparsable text
            raise field_error(f"{prefix}.quantity", _("数量不是有效的数字。"), "type") from None
        if not quantity.is_finite() or quantity <= 0:
            raise field_error(f"{prefix}.quantity", _("数量必须大于零。"), "positive")
        if quantity.as_tuple().exponent < -3 or quantity >= Decimal("100000000000"):
            raise field_error(f"{prefix}.quantity", _("数量最多三位小数、不超过一千亿。"), "range")
        unit_price = parse_amount(raw.get("unit_price"), f"{prefix}.unit_price", allow_zero=True)
        computed = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
        given = raw.get("amount")
        if given not in (None, ""):
            amount = parse_amount(given, f"{prefix}.amount", allow_zero=True)
            if amount != computed:
                raise field_error(
                    f"{prefix}.amount",
                    _("明细金额应等于数量 × 单价（%(v)s）。") % {"v": computed},
                    "line_amount",
                )
        parse_amount(computed, f"{prefix}.amount", allow_zero=True)
        lines.append(
            OrderLine(product=product, quantity=quantity, unit_price=unit_price, amount=computed)
        )
    return lines


def _order_title(order: Order) -> str:
    return f"订单 {order.number} {label(order.amount, order.currency)}"


def _order_detail(order: Order, n_lines: int) -> dict:
    return {
        "number": order.number,
        "amount": str(order.amount),
        "currency": order.currency,
        "lines": n_lines,
    }


@transaction.atomic
def create_order(
    *,
    actor: User,
    account: CustomerAccount,
    data: dict,
    lines: list[dict] | None = None,
    source: str = OrderSource.MANUAL,
) -> Order:
    """An order; with lines, the amount is their sum (a given amount must equal it)."""
    require_account(actor, account, Action.CREATE)
    number = _text(data, "number", 40, required=True)
    if Order.objects.filter(account=account, number=number).exists():
        raise field_error("number", _("该客户已有此订单编号。"), "unique")
    ordered_on = _date(data, "ordered_on")
    if ordered_on > timezone.localdate() + dt.timedelta(days=366):
        raise field_error("ordered_on", _("下单日期超出合理范围。"), "date_range")
    currency = parse_currency(data.get("currency"))
    contract = _contract_of(account, data.get("contract_id"), "contract_id")
    if contract is not None and contract.currency != currency:
        raise field_error("currency", _("订单币种应与合同币种一致。"), "currency_mismatch")
    built = _lines(lines)
    if built:
        total = sum((line.amount for line in built), Decimal("0"))
        given = data.get("amount")
        if given not in (None, ""):
            amount = parse_amount(given, "amount")
            if amount != total:
                raise field_error(
                    "amount",
                    _("订单金额应等于明细金额之和（%(v)s）。") % {"v": total},
                    "lines_sum",
                )
        amount = parse_amount(total, "amount")
    else:
        amount = parse_amount(data.get("amount"), "amount")
    check_credit(
        account=account,
        kind="order",
        values={"amount": amount, "currency": currency, "contract": contract},
    )
    with _unique("number", _("该客户已有此订单编号。")):
        order = Order.objects.create(
            account=account,
            contract=contract,
            number=number,
            ordered_on=ordered_on,
            amount=amount,
            currency=currency,
            source=source,
            notes=_text(data, "notes", 2000),
            created_by=actor,
        )
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    after = {
        **snapshot(order),
        "order_lines": [f"{x.product} × {x.quantity} @ {x.unit_price} = {x.amount}" for x in built],
    }
    _history(actor, "create", order, account, after=after)
    _event(
        actor,
        account,
        EventKind.ORDER,
        order,
        _at(ordered_on, 540),
        _order_title(order),
        _order_detail(order, len(built)),
    )
    return order


@transaction.atomic
def update_order(*, actor: User, order: Order, data: dict, expected_version: int | None) -> Order:
    """Correct an order's date, contract or notes (the amount is fixed once milestones and
    receipts may depend on it: delete and re-enter instead)."""
    account = require_account(actor, order.account, Action.EDIT)
    before = snapshot(order)
    if "ordered_on" in data:
        order.ordered_on = _date(data, "ordered_on")
    if "notes" in data:
        order.notes = _text(data, "notes", 2000)
    if "contract_id" in data:
        contract = _contract_of(account, data.get("contract_id"), "contract_id")
        if contract is not None and contract.currency != order.currency:
            raise field_error("contract_id", _("订单币种应与合同币种一致。"), "currency_mismatch")
        order.contract = contract
    save_versioned(order, expected_version, ["ordered_on", "notes", "contract"])
    _history(actor, "update", order, account, before=before, after=snapshot(order))
    update_events(order, occurred_at=_at(order.ordered_on, 540))
    return order


@transaction.atomic
def delete_order(*, actor: User, order: Order) -> None:
    """Delete an order with its lines and its milestones; refused while a milestone of it has
    receipts (reverse them first)."""
    account = require_account(actor, order.account, Action.DELETE)
    milestones = list(order.milestones.values_list("pk", flat=True))
    if Receipt.objects.filter(milestone_id__in=milestones).exists():
        raise field_error("order", _("该订单已有到账记录，请先冲销到账。"), "has_receipts")
    _history(actor, "delete", order, account, before=snapshot(order))
    pk = order.pk
    PaymentMilestone.objects.filter(pk__in=milestones).delete()
    order.delete()
    delete_events("sales.paymentmilestone", milestones)
    delete_events("sales.order", [pk])


# --- payment milestones -----------------------------------------------------------------------
def _milestone_title(m: PaymentMilestone) -> str:
    description = f"{m.description} " if m.description else ""
    return f"收款节点 {description}{label(m.amount, m.currency)}，{m.due_on:%Y-%m-%d} 到期"


@transaction.atomic
def create_milestone(
    *,
    actor: User,
    account: CustomerAccount,
    data: dict,
) -> PaymentMilestone:
    """Money due on a date, for a contract or an order of the same account (or neither)."""
    require_account(actor, account, Action.CREATE)
    order = None
    if data.get("order_id") not in (None, ""):
        order = Order.objects.filter(pk=data["order_id"], account=account).first()
        if order is None:
            raise field_error("order_id", _("该订单不属于此客户账户。"), "same_account")
    contract = _contract_of(account, data.get("contract_id"), "contract_id")
    if contract is None and order is not None:
        contract = order.contract
    default_currency = (order or contract).currency if (order or contract) else None
    currency = parse_currency(data.get("currency") or default_currency)
    if order is not None and order.currency != currency:
        raise field_error("currency", _("收款节点币种应与订单一致。"), "currency_mismatch")
    if contract is not None and contract.currency != currency:
        raise field_error("currency", _("收款节点币种应与合同一致。"), "currency_mismatch")
    due_on = _date(data, "due_on")
    amount = parse_amount(data.get("amount"), "amount")
    if order is not None:
        planned = order.milestones.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        if planned + amount > order.amount:
            raise field_error(
                "amount",
                _("收款节点合计不能超过订单金额（尚可安排 %(v)s）。")
                % {"v": order.amount - planned},
                "exceeds_order",
            )
    milestone = PaymentMilestone.objects.create(
        account=account,
        contract=contract,
        order=order,
        description=_text(data, "description", 200),
        due_on=due_on,
        amount=amount,
        currency=currency,
    )
    _history(actor, "create", milestone, account, after=snapshot(milestone))
    occurred = _at(order.ordered_on, 540) if order is not None else timezone.now()
    _event(
        actor,
        account,
        EventKind.PAYMENT,
        milestone,
        occurred,
        _milestone_title(milestone),
        {"due_on": due_on.isoformat(), "amount": str(amount), "currency": currency},
    )
    return milestone


MILESTONE_FIELDS = ("due_on", "description", "amount")


@transaction.atomic
def update_milestone(
    *, actor: User, milestone: PaymentMilestone, data: dict, expected_version: int | None
) -> PaymentMilestone:
    """Correct a milestone's due date and description; its amount only while nothing has been
    received against it (receipts and the paid-in-full date depend on it: reverse them
    first). Within an order, all milestones together stay within the order amount."""
    account = require_account(actor, milestone.account, Action.EDIT)
    # Lock the row: a receipt recorded meanwhile must not slip between the check and the save.
    locked = PaymentMilestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.paid_amount, milestone.paid_on = locked.paid_amount, locked.paid_on
    before = snapshot(milestone)
    if "due_on" in data:
        milestone.due_on = _date(data, "due_on")
    if "description" in data:
        milestone.description = _text(data, "description", 200)
    if "amount" in data and data["amount"] not in (None, ""):
        amount = parse_amount(data["amount"], "amount")
        if amount != milestone.amount:
            if milestone.paid_amount > 0 or milestone.receipts.exists():
                raise field_error(
                    "amount",
                    _("该收款节点已有到账记录，金额不能再修改（请先冲销到账）。"),
                    "has_receipts",
                )
            if milestone.order_id is not None:
                order = Order.objects.get(pk=milestone.order_id)
                others = order.milestones.exclude(pk=milestone.pk).aggregate(s=Sum("amount"))[
                    "s"
                ] or Decimal("0")
                if others + amount > order.amount:
                    raise field_error(
                        "amount",
                        _("收款节点合计不能超过订单金额（尚可安排 %(v)s）。")
                        % {"v": order.amount - others},
                        "exceeds_order",
                    )
            milestone.amount = amount
    save_versioned(milestone, expected_version, list(MILESTONE_FIELDS))
    _history(actor, "update", milestone, account, before=before, after=snapshot(milestone))
    update_events(
        milestone,
        title=_milestone_title(milestone),
        detail={
            "due_on": milestone.due_on.isoformat(),
            "amount": str(milestone.amount),
            "currency": milestone.currency,
        },
    )
    return milestone


@transaction.atomic
def delete_milestone(*, actor: User, milestone: PaymentMilestone) -> None:
    account = require_account(actor, milestone.account, Action.DELETE)
    if milestone.receipts.exists():
        raise field_error("milestone", _("该收款节点已有到账记录，请先冲销到账。"), "has_receipts")
    _history(actor, "delete", milestone, account, before=snapshot(milestone))
    pk = milestone.pk
    milestone.delete()
    delete_events("sales.paymentmilestone", [pk])


# --- receipts ---------------------------------------------------------------------------------
def recompute_milestone(milestone_id: int) -> PaymentMilestone:
    """``paid_amount`` = sum of the receipts; ``paid_on`` = the latest receipt date when that
    sum reaches the amount (receipts never exceed it, so that is the day it became fully
    paid), else empty. Call inside the transaction that changed the receipts."""
    milestone = PaymentMilestone.objects.select_for_update().get(pk=milestone_id)
    agg = Receipt.objects.filter(milestone_id=milestone_id).aggregate(
        total=Sum("amount"), last=Max("received_on")
    )
    paid = agg["total"] or Decimal("0")
    paid_on = agg["last"] if paid >= milestone.amount else None
    if (milestone.paid_amount, milestone.paid_on) != (paid, paid_on):
        PaymentMilestone.objects.filter(pk=milestone_id).update(
            paid_amount=paid, paid_on=paid_on, version=milestone.version + 1
        )
        milestone.paid_amount, milestone.paid_on = paid, paid_on
        milestone.version += 1
    return milestone


@transaction.atomic
def record_receipt(
    *,
    actor: User,
    account: CustomerAccount,
    milestone_id: int,
    data: dict,
    source: str = OrderSource.MANUAL,
) -> Receipt:
    """Money received against one milestone of the account (partial payments allowed, more
    than the outstanding amount refused)."""
    require_account(actor, account, Action.CREATE)
    milestone = (
        PaymentMilestone.objects.select_for_update()
        .filter(pk=milestone_id, account=account)
        .first()
        if milestone_id not in (None, "")
        else None
    )
    if milestone is None:
        raise field_error("milestone_id", _("请选择此客户账户的一个收款节点。"), "same_account")
    received_on = _date(data, "received_on")
    if received_on > timezone.localdate():
        raise field_error("received_on", _("到账日期不能晚于今天。"), "future")
    amount = parse_amount(data.get("amount"), "amount")
    currency = parse_currency(data.get("currency") or milestone.currency)
    if currency != milestone.currency:
        raise field_error("currency", _("到账币种应与收款节点一致。"), "currency_mismatch")
    outstanding = milestone.amount - milestone.paid_amount
    if outstanding <= 0:
        raise field_error("milestone_id", _("该收款节点已结清。"), "already_paid")
    if amount > outstanding:
        raise field_error(
            "amount",
            _("到账金额超过该节点未收金额 %(v)s。") % {"v": outstanding},
            "overpayment",
        )
    reference = _text(data, "reference", 60)
    if reference and Receipt.objects.filter(account=account, reference=reference).exists():
        raise field_error("reference", _("该客户已有此流水号的到账记录。"), "unique")
    with _unique("reference", _("该客户已有此流水号的到账记录。")):
        receipt = Receipt.objects.create(
            account=account,
            milestone=milestone,
            received_on=received_on,
            amount=amount,
            currency=currency,
            reference=reference,
            source=source,
            created_by=actor,
        )
    recompute_milestone(milestone.pk)
    _history(actor, "create", receipt, account, after=snapshot(receipt))
    description = milestone.description or _milestone_label(milestone)
    _event(
        actor,
        account,
        EventKind.PAYMENT,
        receipt,
        _at(received_on, 600),
        f"到账 {label(amount, currency)}（{description}）",
        {
            "amount": str(amount),
            "currency": currency,
            "reference": reference,
            "days_late": max(0, (received_on - milestone.due_on).days),
        },
    )
    return receipt


def _milestone_label(m: PaymentMilestone) -> str:
    return f"{m.due_on:%Y-%m-%d} 到期"


@transaction.atomic
def reverse_receipt(*, actor: User, receipt: Receipt) -> None:
    """Reverse (delete) a receipt; its milestone's paid amount and date are recomputed."""
    account = require_account(actor, receipt.account, Action.DELETE)
    _history(actor, "delete", receipt, account, before=snapshot(receipt))
    pk, milestone_id = receipt.pk, receipt.milestone_id
    receipt.delete()
    delete_events("sales.receipt", [pk])
    if milestone_id is not None:
        recompute_milestone(milestone_id)


def validation_errors(exc: ValidationError) -> list[tuple[str, str, str]]:
    """``[(field, rule, message)]`` of a service error (for import reports)."""
    from xinren.core.errors import error_items

    return [(i["field"], i["rule"], i["message"]) for i in error_items(exc)]
