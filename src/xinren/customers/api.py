"""REST endpoints of customer master data: companies (golden records), accounts, contacts,
documents, history and export. Parse → call a selector or service → schema; every rule lives
in :mod:`xinren.customers.services` and :mod:`.selectors`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from xinren.core.errors import field_error
from xinren.core.pagination import cursor_page
from xinren.orgs.api import ERRORS, Cursor, Status, api_field_names, page_size
from xinren.orgs.models import User
from xinren.orgs.schemas import ErrorOut, Id, Text

from . import services
from .filters import CompanyFilters, filter_companies
from .models import Company, Contact, CustomerAccount, Document
from .schemas import (
    ACCOUNT_INPUT_FIELDS,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    AccountTypeName,
    CompanyChangePage,
    CompanyCreatedOut,
    CompanyIn,
    CompanyOut,
    CompanyPage,
    CompanyPatch,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    DocumentOut,
    DocumentPage,
    DocumentUploadIn,
    ServiceTeamIn,
    StatusName,
)
from .selectors import (
    account_for,
    company_for,
    company_history,
    contact_for,
    document_for,
    visible_accounts,
    visible_companies,
    visible_contacts,
    visible_documents,
    with_visible_accounts,
)

router = Router(tags=["customers"])

ACCOUNT_RELATED = ("company", "owner", "owner_unit", "business_unit")
OWNER_FIELD = {"owner": "owner_id"}


# --- lookups: everything goes through the scoped selectors ------------------------------------
def _company(user: User, company_id: int) -> Company:
    """The company with the accounts the user may see; DoesNotExist (404) when out of scope."""
    return with_visible_accounts(user, visible_companies(user)).get(pk=company_id)


def _account(user: User, account_id: int) -> CustomerAccount:
    return (
        visible_accounts(user)
        .select_related(*ACCOUNT_RELATED)
        .prefetch_related("service_team")
        .get(pk=account_id)
    )


def _contact(user: User, contact_id: int) -> Contact:
    return contact_for(user, contact_id)


def _document(user: User, document_id: int) -> Document:
    return document_for(user, document_id)


def _owner(user: User, owner_id: int | None) -> User | None:
    """The named owner. An unknown id answers like one outside the caller's scope, so ids
    of users elsewhere in the group cannot be probed."""
    if owner_id is None:
        return None
    owner = User.objects.select_related("org_unit").filter(pk=owner_id).first()
    if owner is None:
        raise field_error("owner_id", _("归属人不在您的数据范围内。"), "out_of_scope")
    return owner


def _accounts_page(qs: QuerySet) -> QuerySet:
    return qs.select_related(*ACCOUNT_RELATED).prefetch_related("service_team")


# --- companies --------------------------------------------------------------------------------
def _filtered_companies(request, **params) -> QuerySet[Company]:
    filters = CompanyFilters(
        q=params.get("q") or "",
        region=params.get("region_code") or "",
        industry=params.get("industry_code") or "",
        status=params.get("status") or "",
        account_type=params.get("account_type") or "",
        owner_id=params.get("owner_id"),
        business_unit_id=params.get("business_unit_id"),
    )
    return filter_companies(request.auth, filters)


@router.get("/companies", response={200: CompanyPage, **ERRORS})
def list_companies(
    request,
    q: Text | None = None,
    region_code: Text | None = None,
    industry_code: Text | None = None,
    status: StatusName | None = None,
    account_type: AccountTypeName | None = None,
    owner_id: Id | None = None,
    business_unit_id: Id | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """Companies in the caller's scope, newest first. ``q`` searches name (Chinese substring,
    pinyin, initials), contact name, USCC / archive-number / phone prefix. Account filters
    match a company through an account the caller may see."""
    companies = _filtered_companies(
        request,
        q=q,
        region_code=region_code,
        industry_code=industry_code,
        status=status,
        account_type=account_type,
        owner_id=owner_id,
        business_unit_id=business_unit_id,
    )
    user = request.auth
    return cursor_page(
        companies, cursor=cursor, limit=limit, prepare=lambda qs: with_visible_accounts(user, qs)
    )


@router.get(
    "/companies/export.csv",
    response={403: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV, UTF-8 with BOM",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_companies(
    request,
    q: Text | None = None,
    region_code: Text | None = None,
    industry_code: Text | None = None,
    status: StatusName | None = None,
    account_type: AccountTypeName | None = None,
    owner_id: Id | None = None,
    business_unit_id: Id | None = None,
):
    """The filtered list the caller sees, as CSV (needs the export right; masked fields stay
    masked; formula cells neutralised). The same export as ``/exports/customers``."""
    from xinren.quality import exporting
    from xinren.quality.export_api import respond

    data = {
        "q": q or "",
        "region": region_code or "",
        "industry": industry_code or "",
        "status": status or "",
        "account_type": account_type or "",
        "owner_id": "" if owner_id is None else str(owner_id),
        "business_unit_id": "" if business_unit_id is None else str(business_unit_id),
    }
    return respond(request, exporting.prepare(request.auth, "customers", "csv", data))


@router.post("/companies", response={201: CompanyCreatedOut, **ERRORS})
def create_company(request, payload: CompanyIn):
    """Create the golden record and the owner's business unit's account in one step. A USCC
    already in the master is refused (``uscc`` / ``duplicate``): open an account instead."""
    user = request.auth
    data = payload.dict()
    account_data = {key: data.pop(key) for key in ACCOUNT_INPUT_FIELDS}
    owner = _owner(user, account_data.pop("owner_id"))
    with api_field_names(OWNER_FIELD):
        account = services.create_customer(actor=user, company=data, owner=owner, **account_data)
    # What the caller just created is theirs to read back, whatever their view right says.
    company = with_visible_accounts(user, Company.objects.filter(pk=account.company_id)).get()
    account = _accounts_page(CustomerAccount.objects.filter(pk=account.pk)).get()
    return Status(201, {"company": company, "account": account})


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def get_company(request, company_id: Id):
    return _company(request.auth, company_id)


@router.patch("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def update_company(request, company_id: Id, payload: CompanyPatch):
    """Change fields of the golden record; ``version`` is the one read (409 when stale)."""
    user = request.auth
    company = company_for(user, company_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    services.update_company(
        actor=user, company=company, data=data, expected_version=payload.version
    )
    return _company(user, company_id)


@router.delete("/companies/{company_id}", response={204: None, **ERRORS})
def delete_company(request, company_id: Id):
    """Only someone who sees every account of the company may delete it."""
    services.delete_company(actor=request.auth, company=company_for(request.auth, company_id))
    return Status(204, None)


@router.get("/companies/{company_id}/history", response={200: CompanyChangePage, **ERRORS})
def get_company_history(request, company_id: Id, cursor: Cursor = None, limit: int = page_size()):
    """Changes of the company, its contacts and documents, and of the accounts in scope."""
    user = request.auth
    rows = company_history(user, company_for(user, company_id))
    return cursor_page(rows, cursor=cursor, limit=limit)


# --- accounts ---------------------------------------------------------------------------------
@router.get("/accounts", response={200: AccountPage, **ERRORS})
def list_accounts(
    request,
    company_id: Id | None = None,
    status: StatusName | None = None,
    account_type: AccountTypeName | None = None,
    owner_id: Id | None = None,
    business_unit_id: Id | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    accounts = visible_accounts(request.auth)
    for name, value in (
        ("company_id", company_id),
        ("status", status),
        ("account_type", account_type),
        ("owner_id", owner_id),
        ("business_unit_id", business_unit_id),
    ):
        if value is not None:
            accounts = accounts.filter(**{name: value})
    return cursor_page(accounts, cursor=cursor, limit=limit, prepare=_accounts_page)


@router.post("/companies/{company_id}/accounts", response={201: AccountOut, **ERRORS})
def open_account(request, company_id: Id, payload: AccountIn):
    """Open the owner's business unit's account with a company already in the master."""
    user = request.auth
    company = company_for(user, company_id)
    data = payload.dict()
    owner = _owner(user, data.pop("owner_id"))
    with api_field_names(OWNER_FIELD):
        account = services.open_account(actor=user, company=company, owner=owner, **data)
    return Status(201, _accounts_page(CustomerAccount.objects.filter(pk=account.pk)).get())


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS})
def get_account(request, account_id: Id):
    return _account(request.auth, account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, **ERRORS})
def update_account(request, account_id: Id, payload: AccountPatch):
    user = request.auth
    account = account_for(user, account_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    if "owner_id" in data:
        data["owner"] = _owner(user, data.pop("owner_id"))
    with api_field_names(OWNER_FIELD):
        services.update_account(
            actor=user, account=account, data=data, expected_version=payload.version
        )
    return _account(user, account_id)


@router.put("/accounts/{account_id}/service-team", response={200: AccountOut, **ERRORS})
def set_service_team(request, account_id: Id, payload: ServiceTeamIn):
    """Replace the service team (who serves the account; ownership stays as it is)."""
    user = request.auth
    account = account_for(user, account_id)
    ids = set(payload.member_ids)
    members = list(User.objects.select_related("org_unit").filter(pk__in=ids))
    if len(members) != len(ids):
        raise field_error("member_ids", _("服务团队成员不存在。"), "not_found")
    with api_field_names({"service_team": "member_ids"}):
        services.set_service_team(actor=user, account=account, members=members)
    return _account(user, account_id)


@router.delete("/accounts/{account_id}", response={204: None, **ERRORS})
def delete_account(request, account_id: Id):
    services.delete_account(actor=request.auth, account=account_for(request.auth, account_id))
    return Status(204, None)


# --- contacts ---------------------------------------------------------------------------------
@router.get("/companies/{company_id}/contacts", response={200: ContactPage, **ERRORS})
def list_contacts(request, company_id: Id, cursor: Cursor = None, limit: int = page_size()):
    user = request.auth
    contacts = visible_contacts(user, company_for(user, company_id))
    return cursor_page(contacts, cursor=cursor, limit=limit)


@router.post("/companies/{company_id}/contacts", response={201: ContactOut, **ERRORS})
def create_contact(request, company_id: Id, payload: ContactIn):
    """Work phone and work e-mail only: collecting a private number is not allowed."""
    user = request.auth
    company = company_for(user, company_id)
    return Status(201, services.create_contact(actor=user, company=company, data=payload.dict()))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def get_contact(request, contact_id: Id):
    return _contact(request.auth, contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request, contact_id: Id, payload: ContactPatch):
    user = request.auth
    contact = _contact(user, contact_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    services.update_contact(
        actor=user, contact=contact, data=data, expected_version=payload.version
    )
    return _contact(user, contact_id)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS})
def delete_contact(request, contact_id: Id):
    services.delete_contact(actor=request.auth, contact=_contact(request.auth, contact_id))
    return Status(204, None)


# --- documents --------------------------------------------------------------------------------
@router.get("/companies/{company_id}/documents", response={200: DocumentPage, **ERRORS})
def list_documents(request, company_id: Id, cursor: Cursor = None, limit: int = page_size()):
    user = request.auth
    documents = visible_documents(user, company_for(user, company_id))
    return cursor_page(documents, cursor=cursor, limit=limit)


@router.post("/companies/{company_id}/documents", response={201: DocumentOut, **ERRORS})
def upload_document(
    request, company_id: Id, file: File[UploadedFile], data: Form[DocumentUploadIn]
):
    """PDF, PNG, JPEG, DOCX, XLSX or OFD, content matching the extension, up to the size
    limit. ``account_id`` links the document to one of the company's accounts."""
    user = request.auth
    company = company_for(user, company_id)
    account = None
    if data.account_id is not None:
        account = visible_accounts(user).filter(pk=data.account_id).first()
        if account is None:
            raise field_error("account_id", _("账户不存在或不在您的数据范围内。"), "not_found")
    with api_field_names({"account": "account_id"}):
        doc = services.upload_document(
            actor=user,
            company=company,
            file=file,
            doc_type=data.doc_type,
            account=account,
            title=data.title,
            issued_on=data.issued_on,
            expires_on=data.expires_on,
        )
    return Status(201, doc)


@router.get("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def get_document(request, document_id: Id):
    return _document(request.auth, document_id)


@router.get(
    "/documents/{document_id}/download",
    response={401: ErrorOut, 404: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "the file",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_document(request, document_id: Id):
    doc = _document(request.auth, document_id)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Document.DoesNotExist from None
    return FileResponse(
        handle, as_attachment=True, filename=doc.original_name, content_type=doc.content_type
    )


@router.delete("/documents/{document_id}", response={204: None, **ERRORS})
def delete_document(request, document_id: Id):
    services.delete_document(actor=request.auth, document=_document(request.auth, document_id))
    return Status(204, None)
