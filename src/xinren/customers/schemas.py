"""API schemas of customer master data. Sensitive fields pass through
:mod:`xinren.customers.presenters`, so a caller without ``view_sensitive`` gets them masked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema

from xinren.orgs.schemas import ChangeOut, Id, Text, UserBrief, request_user
from xinren.standards.codes import industry_label, region_label

from .models import AccountType, DecisionRole, DocumentType, EntityType, Lifecycle, SizeBand
from .presenters import mask_dict, masked

EntityTypeName = Literal[tuple(EntityType.values)]  # type: ignore[valid-type]
SizeBandName = Literal[("", *SizeBand.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Lifecycle.values)]  # type: ignore[valid-type]
AccountTypeName = Literal[tuple(AccountType.values)]  # type: ignore[valid-type]
DecisionRoleName = Literal[tuple(DecisionRole.values)]  # type: ignore[valid-type]
DocTypeName = Literal[tuple(DocumentType.values)]  # type: ignore[valid-type]


# --- accounts ---------------------------------------------------------------------------------
class AccountBrief(Schema):
    id: int
    archive_no: str
    business_unit_id: int
    business_unit_name: str
    owner_id: int
    owner_name: str
    owner_unit_id: int
    account_type: str
    status: str

    @staticmethod
    def resolve_business_unit_name(obj) -> str:
        return obj.business_unit.name

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return str(obj.owner)


class AccountOut(AccountBrief):
    company_id: int
    company_name: str
    owner_unit_name: str
    source: str
    notes: str
    service_team: list[UserBrief]
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name

    @staticmethod
    def resolve_owner_unit_name(obj) -> str:
        return obj.owner_unit.name

    @staticmethod
    def resolve_service_team(obj) -> list:
        return list(obj.service_team.all())


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class AccountIn(Schema):
    owner_id: Id | None = None
    account_type: AccountTypeName = "B2B"
    status: StatusName = "lead"
    source: Text = ""
    notes: Text = ""


class AccountPatch(Schema):
    version: int
    owner_id: Id = None
    account_type: AccountTypeName = None
    status: StatusName = None
    source: Text = None
    notes: Text = None


class ServiceTeamIn(Schema):
    member_ids: list[Id]


# --- companies --------------------------------------------------------------------------------
class CompanyOut(Schema):
    id: int
    name: str
    name_en: str
    uscc: str | None
    entity_type: str
    legal_rep: str
    legal_rep_id_number: str
    founded_on: date | None
    registered_capital: Decimal | None
    capital_currency: str
    registered_address: str
    region_code: str
    region_label: str = ""
    industry_code: str
    industry_label: str = ""
    size_band: str
    main_business: str
    phone: str
    email: str
    website: str
    pain_points: str
    created_at: datetime
    updated_at: datetime
    version: int
    accounts: list[AccountBrief] = []

    @staticmethod
    def resolve_legal_rep_id_number(obj, context) -> str:
        return masked(request_user(context), obj, "legal_rep_id_number")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return masked(request_user(context), obj, "phone")

    @staticmethod
    def resolve_region_label(obj) -> str:
        return region_label(obj.region_code) if obj.region_code else ""

    @staticmethod
    def resolve_industry_label(obj) -> str:
        return industry_label(obj.industry_code) if obj.industry_code else ""

    @staticmethod
    def resolve_accounts(obj) -> list:
        # Only the accounts the caller may see (prefetched by with_visible_accounts).
        return getattr(obj, "visible_accounts", [])


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


class CompanyCreatedOut(Schema):
    company: CompanyOut
    account: AccountOut


class CompanyIn(Schema):
    """A new golden record and, in the same step, the owner's business unit's account."""

    name: Text
    uscc: Text | None = None
    name_en: Text = ""
    entity_type: EntityTypeName = "enterprise"
    legal_rep: Text = ""
    legal_rep_id_number: Text = ""
    founded_on: date | None = None
    registered_capital: Decimal | None = None
    capital_currency: Text = "CNY"
    registered_address: Text = ""
    region_code: Text = ""
    industry_code: Text = ""
    size_band: SizeBandName = ""
    main_business: Text = ""
    phone: Text = ""
    email: Text = ""
    website: Text = ""
    pain_points: Text = ""
    # the account
    owner_id: Id | None = None
    account_type: AccountTypeName = "B2B"
    status: StatusName = "lead"
    source: Text = ""
    notes: Text = ""


ACCOUNT_INPUT_FIELDS = ("owner_id", "account_type", "status", "source", "notes")


class CompanyPatch(Schema):
    version: int
    name: Text = None
    uscc: Text | None = None
    name_en: Text = None
    entity_type: EntityTypeName = None
    legal_rep: Text = None
    legal_rep_id_number: Text = None
    founded_on: date | None = None
    registered_capital: Decimal | None = None
    capital_currency: Text = None
    registered_address: Text = None
    region_code: Text = None
    industry_code: Text = None
    size_band: SizeBandName = None
    main_business: Text = None
    phone: Text = None
    email: Text = None
    website: Text = None
    pain_points: Text = None


class CompanyChangeOut(ChangeOut):
    """A history entry; sensitive values stay masked for callers without the right."""

    @staticmethod
    def resolve_changes(obj, context) -> dict[str, dict[str, Any]]:
        kind = {"customers.company": "company", "customers.contact": "contact"}.get(obj.entity)
        if kind is None:
            return obj.changes
        user = request_user(context)
        return {
            name: {
                side: mask_dict(user, {name: value}, kind)[name] for side, value in change.items()
            }
            for name, change in obj.changes.items()
        }


class CompanyChangePage(Schema):
    items: list[CompanyChangeOut]
    next_cursor: str | None


# --- contacts ---------------------------------------------------------------------------------
class ContactOut(Schema):
    id: int
    company_id: int
    name: str
    title: str
    department: str
    work_phone: str
    work_email: str
    decision_role: str
    is_primary: bool
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_work_phone(obj, context) -> str:
        return masked(request_user(context), obj, "work_phone")


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactIn(Schema):
    name: Text
    title: Text = ""
    department: Text = ""
    work_phone: Text = ""
    work_email: Text = ""
    decision_role: DecisionRoleName = "user"
    is_primary: bool = False
    notes: Text = ""


class ContactPatch(Schema):
    version: int
    name: Text = None
    title: Text = None
    department: Text = None
    work_phone: Text = None
    work_email: Text = None
    decision_role: DecisionRoleName = None
    is_primary: bool = None
    notes: Text = None


# --- documents --------------------------------------------------------------------------------
class DocumentOut(Schema):
    id: int
    company_id: int
    account_id: int | None
    doc_type: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    issued_on: date | None
    expires_on: date | None
    uploaded_by_id: int | None
    created_at: datetime
    version: int


class DocumentPage(Schema):
    items: list[DocumentOut]
    next_cursor: str | None


class DocumentUploadIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    doc_type: DocTypeName
    title: Text = ""
    issued_on: date | None = None
    expires_on: date | None = None
    account_id: Id | None = None
