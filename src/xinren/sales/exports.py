"""Exports of the contract, order, payment milestone and receipt lists: columns defined once
here, rows from the scoped selectors the account's 合同与收款 page uses (one account's list
with ``account_id``, as on that page; without it, every record the user may see).
Filters: ``account_id``, ``date_from`` / ``date_to`` on the list's date, and the contract's
``status``. Writers, right, audit and jobs: :mod:`xinren.quality.exporting`."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.core.errors import field_error
from xinren.core.exports import (
    DATE,
    NUMBER,
    Column,
    ExportList,
    choice_labels,
    choice_param,
    date_param,
    id_param,
)
from xinren.customers.models import CustomerAccount
from xinren.orgs.models import User

from . import selectors
from .models import ContractStatus, OrderSource, PaymentTerms


def _customer_columns() -> list[Column]:
    return [
        Column(gettext_lazy("客户名称"), lambda r: r.account.company.name),
        Column(gettext_lazy("档案编号"), lambda r: r.account.archive_no),
    ]


def _common(user: User, data: Mapping[str, str]) -> dict:
    account_id = id_param(data, "account_id")
    if account_id is not None:
        try:
            selectors.account_of(user, account_id)
        except CustomerAccount.DoesNotExist:
            raise field_error(
                "account_id", _("客户账户不存在或不在您的数据范围内。"), "out_of_scope"
            ) from None
    date_from, date_to = date_param(data, "date_from"), date_param(data, "date_to")
    if date_from and date_to and date_from > date_to:
        raise field_error("date_to", _("结束日期不能早于开始日期。"), "date_order")
    return {"account_id": account_id, "date_from": date_from, "date_to": date_to}


def _filtered(qs: QuerySet, params: dict, date_field: str) -> QuerySet:
    if params["account_id"] is not None:
        qs = qs.filter(account_id=params["account_id"])
    if params["date_from"]:
        qs = qs.filter(**{f"{date_field}__gte": params["date_from"]})
    if params["date_to"]:
        qs = qs.filter(**{f"{date_field}__lte": params["date_to"]})
    return qs.select_related("account", "account__company").order_by(f"-{date_field}", "-pk")


# --- contracts ----------------------------------------------------------------------------------
def contract_columns(user: User) -> list[Column]:
    terms, status = choice_labels(PaymentTerms), choice_labels(ContractStatus)
    return [
        Column(gettext_lazy("合同编号"), lambda c: c.number),
        Column(gettext_lazy("合同名称"), lambda c: c.title),
        *_customer_columns(),
        Column(gettext_lazy("签订日期"), lambda c: c.signed_on, DATE),
        Column(gettext_lazy("开始日期"), lambda c: c.start_on, DATE),
        Column(gettext_lazy("结束日期"), lambda c: c.end_on, DATE),
        Column(gettext_lazy("合同金额"), lambda c: c.amount, NUMBER),
        Column(gettext_lazy("币种"), lambda c: c.currency),
        Column(gettext_lazy("付款方式"), lambda c: terms(c.payment_terms)),
        Column(gettext_lazy("账期（天）"), lambda c: c.credit_days, NUMBER),
        Column(gettext_lazy("续签日期"), lambda c: c.renewal_on, DATE),
        Column(gettext_lazy("状态"), lambda c: status(c.status)),
        Column(gettext_lazy("备注"), lambda c: c.notes),
    ]


def contract_filters(user: User, data: Mapping[str, str]) -> dict:
    return {**_common(user, data), "status": choice_param(data, "status", ContractStatus.values)}


def contract_rows(user: User, params: dict) -> QuerySet:
    qs = selectors.visible_contracts(user)
    if params["status"]:
        qs = qs.filter(status=params["status"])
    return _filtered(qs, params, "signed_on")


CONTRACTS = ExportList(
    name="contracts",
    label=gettext_lazy("合同"),
    columns=contract_columns,
    parse=contract_filters,
    rows=contract_rows,
)


# --- orders -------------------------------------------------------------------------------------
def order_columns(user: User) -> list[Column]:
    source = choice_labels(OrderSource)
    return [
        Column(gettext_lazy("订单编号"), lambda o: o.number),
        *_customer_columns(),
        Column(gettext_lazy("下单日期"), lambda o: o.ordered_on, DATE),
        Column(gettext_lazy("订单金额"), lambda o: o.amount, NUMBER),
        Column(gettext_lazy("币种"), lambda o: o.currency),
        Column(gettext_lazy("合同编号"), lambda o: o.contract.number if o.contract else ""),
        Column(gettext_lazy("来源"), lambda o: source(o.source)),
        Column(gettext_lazy("备注"), lambda o: o.notes),
    ]


ORDERS = ExportList(
    name="orders",
    label=gettext_lazy("订单"),
    columns=order_columns,
    parse=_common,
    rows=lambda user, params: _filtered(
        selectors.visible_orders(user), params, "ordered_on"
    ).select_related("contract"),
)


# --- payment milestones -------------------------------------------------------------------------
def milestone_columns(user: User) -> list[Column]:
    today = timezone.localdate()
    labels = {
        "paid": gettext_lazy("已结清"),
        "overdue": gettext_lazy("逾期"),
        "partly_paid": gettext_lazy("部分收款"),
        "due": gettext_lazy("待收"),
    }
    return [
        *_customer_columns(),
        Column(gettext_lazy("应收日期"), lambda m: m.due_on, DATE),
        Column(gettext_lazy("说明"), lambda m: m.description),
        Column(gettext_lazy("订单编号"), lambda m: m.order.number if m.order else ""),
        Column(gettext_lazy("合同编号"), lambda m: m.contract.number if m.contract else ""),
        Column(gettext_lazy("应收金额"), lambda m: m.amount, NUMBER),
        Column(gettext_lazy("已收金额"), lambda m: m.paid_amount, NUMBER),
        Column(gettext_lazy("币种"), lambda m: m.currency),
        Column(gettext_lazy("结清日期"), lambda m: m.paid_on, DATE),
        Column(gettext_lazy("状态"), lambda m: str(labels[selectors.milestone_status(m, today)])),
    ]


MILESTONES = ExportList(
    name="milestones",
    label=gettext_lazy("收款节点"),
    columns=milestone_columns,
    parse=_common,
    rows=lambda user, params: _filtered(
        selectors.visible_milestones(user), params, "due_on"
    ).select_related("order", "contract"),
)


# --- receipts -----------------------------------------------------------------------------------
def receipt_columns(user: User) -> list[Column]:
    source = choice_labels(OrderSource)
    return [
        *_customer_columns(),
        Column(gettext_lazy("到账日期"), lambda r: r.received_on, DATE),
        Column(gettext_lazy("到账金额"), lambda r: r.amount, NUMBER),
        Column(gettext_lazy("币种"), lambda r: r.currency),
        Column(gettext_lazy("流水号"), lambda r: r.reference),
        Column(
            gettext_lazy("收款节点"),
            lambda r: (
                f"{r.milestone.due_on:%Y-%m-%d} {r.milestone.description}".strip()
                if r.milestone
                else ""
            ),
        ),
        Column(gettext_lazy("来源"), lambda r: source(r.source)),
    ]


RECEIPTS = ExportList(
    name="receipts",
    label=gettext_lazy("到账记录"),
    columns=receipt_columns,
    parse=_common,
    rows=lambda user, params: _filtered(
        selectors.visible_receipts(user), params, "received_on"
    ).select_related("milestone"),
)
