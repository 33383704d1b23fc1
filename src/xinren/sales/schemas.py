"""API schemas of contracts, orders, milestones and receipts. Money travels as decimal
*strings* ("1234.50") both ways: a JSON number would pass through a float somewhere."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, PlainSerializer

from xinren.orgs.schemas import Id, Text

from .models import ContractStatus, PaymentTerms


def _money_text(value):
    """Accept only text (or an integer) for money: a JSON number with a fraction is a float."""
    if isinstance(value, float):
        raise ValueError('money must be a decimal string such as "1234.50", not a JSON number')
    if isinstance(value, bool):
        raise ValueError("money must be a decimal string")
    return str(value) if isinstance(value, int) else value


# Validated by the services (xinren.sales.money.parse_amount) so every path names the same
# field and rule; here only "text, not float".
MoneyIn = Annotated[
    str,
    BeforeValidator(_money_text),
    Field(max_length=40, description='decimal text, e.g. "1234.50"'),
]
MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
Currency = Annotated[str, Field(min_length=3, max_length=3, description="ISO 4217, e.g. CNY")]
TermsName = Literal[tuple(PaymentTerms.values)]  # type: ignore[valid-type]
ContractStatusName = Literal[tuple(ContractStatus.values)]  # type: ignore[valid-type]
MilestoneState = Literal["paid", "partly_paid", "due", "overdue"]


# --- contracts --------------------------------------------------------------------------------
class ContractOut(Schema):
    id: int
    account_id: int
    number: str
    title: str
    signed_on: date
    start_on: date
    end_on: date
    amount: MoneyOut
    currency: str
    payment_terms: str
    credit_days: int | None
    renewal_on: date | None
    status: str
    notes: str
    document_ids: list[int]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_document_ids(obj) -> list[int]:
        return [d.pk for d in obj.documents.all()]


class ContractIn(Schema):
    number: Text = Field(..., max_length=40)
    title: Text = Field(..., max_length=200)
    signed_on: date
    start_on: date
    end_on: date
    amount: MoneyIn
    currency: Currency = "CNY"
    payment_terms: TermsName = "credit"
    credit_days: int | None = Field(None, ge=0, le=10000)
    renewal_on: date | None = None
    status: ContractStatusName = "active"
    notes: Text = Field("", max_length=2000)
    document_ids: list[Id] | None = None


class ContractPatch(Schema):
    version: int = Field(..., ge=1, description="optimistic lock: the version you read")
    number: Text = Field(None, max_length=40)
    title: Text = Field(None, max_length=200)
    signed_on: date = None
    start_on: date = None
    end_on: date = None
    amount: MoneyIn = None
    currency: Currency = None
    payment_terms: TermsName = None
    credit_days: int | None = Field(None, ge=0, le=10000)
    renewal_on: date | None = None
    status: ContractStatusName = None
    notes: Text = Field(None, max_length=2000)
    document_ids: list[Id] | None = None


class ContractPage(Schema):
    items: list[ContractOut]
    next_cursor: str | None


# --- orders -----------------------------------------------------------------------------------
class OrderLineIn(Schema):
    product: Text = Field(..., max_length=120)
    quantity: MoneyIn
    unit_price: MoneyIn
    amount: MoneyIn | None = None


class OrderLineOut(Schema):
    product: str
    quantity: Decimal
    unit_price: MoneyOut
    amount: MoneyOut


class OrderIn(Schema):
    number: Text = Field(..., max_length=40)
    ordered_on: date
    amount: MoneyIn | None = Field(
        None, description="required without lines; with lines, their sum"
    )
    currency: Currency = "CNY"
    contract_id: Id | None = None
    notes: Text = Field("", max_length=2000)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)


class OrderPatch(Schema):
    version: int = Field(..., ge=1)
    ordered_on: date = None
    contract_id: Id | None = None
    notes: Text = Field(None, max_length=2000)


class OrderOut(Schema):
    id: int
    account_id: int
    contract_id: int | None
    number: str
    ordered_on: date
    amount: MoneyOut
    currency: str
    source: str
    notes: str
    version: int
    created_at: datetime


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


# --- milestones and receipts ------------------------------------------------------------------
class MilestoneIn(Schema):
    due_on: date
    amount: MoneyIn
    currency: Currency | None = None
    description: Text = Field("", max_length=200)
    contract_id: Id | None = None
    order_id: Id | None = None


class MilestonePatch(Schema):
    """Due date and description any time; ``amount`` only while nothing has been received."""

    version: int = Field(..., ge=1)
    due_on: date = None
    description: Text = Field(None, max_length=200)
    amount: MoneyIn | None = None


class MilestoneOut(Schema):
    id: int
    account_id: int
    contract_id: int | None
    order_id: int | None
    description: str
    due_on: date
    amount: MoneyOut
    currency: str
    paid_amount: MoneyOut
    outstanding: MoneyOut
    paid_on: date | None
    status: MilestoneState
    version: int


class MilestonePage(Schema):
    items: list[MilestoneOut]
    next_cursor: str | None


class ReceiptIn(Schema):
    milestone_id: Id
    received_on: date
    amount: MoneyIn
    currency: Currency | None = None
    reference: Text = Field("", max_length=60)


class ReceiptOut(Schema):
    id: int
    account_id: int
    milestone_id: int | None
    received_on: date
    amount: MoneyOut
    currency: str
    reference: str
    source: str
    created_at: datetime


class ReceiptPage(Schema):
    items: list[ReceiptOut]
    next_cursor: str | None


class PaymentFiguresOut(Schema):
    account_id: int
    as_of: date
    currency: str
    overdue_amount: MoneyOut
    receivables: MoneyOut
    sales_90d: MoneyOut
    dso_days: Decimal | None = Field(description="receivables / sales of the last 90 days × 90")
    milestones_due_6m: int
    milestones_late_6m: int
    delay_rate: Decimal | None = Field(description="late / due over the last six months, 0–1")
    high_risk: bool = Field(description="delay rate above 20 % (SPEC §3)")
