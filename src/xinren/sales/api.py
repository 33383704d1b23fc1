"""REST endpoints of contracts, orders, payment milestones, receipts and payment figures.
Parse → selector or service → schema; every rule lives in :mod:`.services` and
:mod:`.figures`. Anything outside the caller's scope answers 404."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router

from xinren.core.pagination import cursor_page
from xinren.customers.selectors import account_for
from xinren.orgs.api import ERRORS, Cursor, page_size

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.5

    def Status(status_code, value):  # noqa: N802
        return status_code, value


from xinren.orgs.schemas import Id

from . import figures, selectors, services
from .models import PaymentMilestone
from .schemas import (
    ContractIn,
    ContractOut,
    ContractPage,
    ContractPatch,
    Currency,
    MilestoneIn,
    MilestoneOut,
    MilestonePage,
    MilestonePatch,
    OrderDetailOut,
    OrderIn,
    OrderPage,
    OrderPatch,
    PaymentFiguresOut,
    ReceiptIn,
    ReceiptOut,
    ReceiptPage,
)

router = Router(tags=["sales"])


def _milestone(m: PaymentMilestone, today: dt.date) -> dict:
    return {
        "id": m.pk,
        "account_id": m.account_id,
        "contract_id": m.contract_id,
        "order_id": m.order_id,
        "description": m.description,
        "due_on": m.due_on,
        "amount": m.amount,
        "currency": m.currency,
        "paid_amount": m.paid_amount,
        "outstanding": m.amount - m.paid_amount,
        "paid_on": m.paid_on,
        "status": selectors.milestone_status(m, today),
        "version": m.version,
    }


# --- contracts --------------------------------------------------------------------------------
@router.get("/accounts/{account_id}/contracts", response={200: ContractPage, **ERRORS})
def list_contracts(request, account_id: Id, cursor: Cursor = None, limit: int = page_size()):
    """Contracts of an account, newest first."""
    rows = selectors.account_contracts(request.auth, account_id)
    return cursor_page(rows, cursor=cursor, limit=limit)


@router.post("/accounts/{account_id}/contracts", response={201: ContractOut, **ERRORS})
def create_contract(request, account_id: Id, payload: ContractIn):
    account = account_for(request.auth, account_id)
    data = payload.dict(exclude={"document_ids"})
    contract = services.create_contract(
        actor=request.auth, account=account, data=data, document_ids=payload.document_ids
    )
    return Status(201, selectors.contract_for(request.auth, contract.pk))


@router.get("/contracts/{contract_id}", response={200: ContractOut, **ERRORS})
def get_contract(request, contract_id: Id):
    return selectors.contract_for(request.auth, contract_id)


@router.patch("/contracts/{contract_id}", response={200: ContractOut, **ERRORS})
def update_contract(request, contract_id: Id, payload: ContractPatch):
    """Change some fields; ``version`` is the one you read (stale → 409)."""
    contract = selectors.contract_for(request.auth, contract_id)
    data = payload.dict(exclude_unset=True, exclude={"version", "document_ids"})
    services.update_contract(
        actor=request.auth,
        contract=contract,
        data=data,
        expected_version=payload.version,
        document_ids=payload.document_ids if "document_ids" in payload.model_fields_set else None,
    )
    return selectors.contract_for(request.auth, contract_id)


@router.delete("/contracts/{contract_id}", response={204: None, **ERRORS})
def delete_contract(request, contract_id: Id):
    contract = selectors.contract_for(request.auth, contract_id)
    services.delete_contract(actor=request.auth, contract=contract)
    return Status(204, None)


# --- orders -----------------------------------------------------------------------------------
@router.get("/accounts/{account_id}/orders", response={200: OrderPage, **ERRORS})
def list_orders(request, account_id: Id, cursor: Cursor = None, limit: int = page_size()):
    rows = selectors.account_orders(request.auth, account_id)
    return cursor_page(rows, cursor=cursor, limit=limit)


@router.post("/accounts/{account_id}/orders", response={201: OrderDetailOut, **ERRORS})
def create_order(request, account_id: Id, payload: OrderIn):
    """An order; with ``lines`` the amount is their sum (a given ``amount`` must equal it)."""
    account = account_for(request.auth, account_id)
    data = payload.dict(exclude={"lines"})
    order = services.create_order(
        actor=request.auth,
        account=account,
        data=data,
        lines=[line.dict() for line in payload.lines],
    )
    return Status(201, selectors.order_for(request.auth, order.pk))


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def get_order(request, order_id: Id):
    return selectors.order_for(request.auth, order_id)


@router.patch("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def update_order(request, order_id: Id, payload: OrderPatch):
    order = selectors.order_for(request.auth, order_id)
    services.update_order(
        actor=request.auth,
        order=order,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        expected_version=payload.version,
    )
    return selectors.order_for(request.auth, order_id)


@router.delete("/orders/{order_id}", response={204: None, **ERRORS})
def delete_order(request, order_id: Id):
    """Delete an order with its lines and milestones (refused while it has receipts)."""
    order = selectors.order_for(request.auth, order_id)
    services.delete_order(actor=request.auth, order=order)
    return Status(204, None)


# --- milestones -------------------------------------------------------------------------------
@router.get("/accounts/{account_id}/milestones", response={200: MilestonePage, **ERRORS})
def list_milestones(request, account_id: Id, cursor: Cursor = None, limit: int = page_size()):
    """Payment milestones, newest first, with paid amount and status."""
    rows = selectors.account_milestones(request.auth, account_id)
    page = cursor_page(rows, cursor=cursor, limit=limit)
    today = timezone.localdate()
    return {"items": [_milestone(m, today) for m in page.items], "next_cursor": page.next_cursor}


@router.post("/accounts/{account_id}/milestones", response={201: MilestoneOut, **ERRORS})
def create_milestone(request, account_id: Id, payload: MilestoneIn):
    account = account_for(request.auth, account_id)
    milestone = services.create_milestone(actor=request.auth, account=account, data=payload.dict())
    return Status(201, _milestone(milestone, timezone.localdate()))


@router.get("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS})
def get_milestone(request, milestone_id: Id):
    return _milestone(selectors.milestone_for(request.auth, milestone_id), timezone.localdate())


@router.patch("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS})
def update_milestone(request, milestone_id: Id, payload: MilestonePatch):
    """Correct the due date or description; the amount only while nothing has been received
    (``has_receipts``). ``version`` is the one you read (stale → 409)."""
    milestone = selectors.milestone_for(request.auth, milestone_id)
    services.update_milestone(
        actor=request.auth,
        milestone=milestone,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        expected_version=payload.version,
    )
    return _milestone(selectors.milestone_for(request.auth, milestone_id), timezone.localdate())


# --- receipts ---------------------------------------------------------------------------------
@router.get("/accounts/{account_id}/receipts", response={200: ReceiptPage, **ERRORS})
def list_receipts(request, account_id: Id, cursor: Cursor = None, limit: int = page_size()):
    rows = selectors.account_receipts(request.auth, account_id)
    return cursor_page(rows, cursor=cursor, limit=limit)


@router.post("/accounts/{account_id}/receipts", response={201: ReceiptOut, **ERRORS})
def record_receipt(request, account_id: Id, payload: ReceiptIn):
    """Money received against one milestone of the account (partial payments allowed; more
    than the milestone's outstanding amount is refused)."""
    account = account_for(request.auth, account_id)
    receipt = services.record_receipt(
        actor=request.auth,
        account=account,
        milestone_id=payload.milestone_id,
        data=payload.dict(exclude={"milestone_id"}),
    )
    return Status(201, receipt)


@router.get("/receipts/{receipt_id}", response={200: ReceiptOut, **ERRORS})
def get_receipt(request, receipt_id: Id):
    return selectors.receipt_for(request.auth, receipt_id)


@router.delete("/receipts/{receipt_id}", response={204: None, **ERRORS})
def reverse_receipt(request, receipt_id: Id):
    """Reverse a receipt: its milestone's paid amount and date are recomputed."""
    receipt = selectors.receipt_for(request.auth, receipt_id)
    services.reverse_receipt(actor=request.auth, receipt=receipt)
    return Status(204, None)


# --- figures ----------------------------------------------------------------------------------
@router.get("/accounts/{account_id}/payment-figures", response={200: PaymentFiguresOut, **ERRORS})
def payment_figures(
    request,
    account_id: Id,
    as_of: dt.date | None = None,
    currency: Currency = "CNY",
):
    """Overdue amount, days sales outstanding and payment delay rate (see README)."""
    account = account_for(request.auth, account_id)
    day = as_of or timezone.localdate()
    got = figures.payment_figures(account.pk, day, currency.upper())
    return {
        "account_id": account.pk,
        "as_of": day,
        "currency": got.currency,
        "overdue_amount": got.overdue_amount,
        "receivables": got.receivables,
        "sales_90d": got.sales_90d,
        "dso_days": got.dso_days,
        "milestones_due_6m": got.delay.due,
        "milestones_late_6m": got.delay.late,
        "delay_rate": got.delay_rate,
        "high_risk": got.high_risk,
    }
