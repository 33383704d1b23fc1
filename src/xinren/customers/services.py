"""Every write to customer master data: keyword-only functions that check the actor's rights
and scope, validate, write, index for search and record the change — in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.orgs.access import require_action, user_scope
from xinren.orgs.models import Action, OrgUnit, User
from xinren.quality.services import index_company
from xinren.standards.idcard import validate_id_number
from xinren.standards.phone import normalize_phone, phone_digits
from xinren.standards.uscc import normalize_uscc, validate_uscc
from xinren.timeline.models import EventKind
from xinren.timeline.services import delete_customer_events, delete_events, record_event

from . import search
from .models import (
    TYPES_WITHOUT_USCC,
    ArchiveSequence,
    Company,
    Contact,
    CustomerAccount,
    Document,
    DocumentType,
    ServiceAssignment,
)
from .selectors import visible_accounts, visible_companies

COMPANY_FIELDS = [
    "name",
    "name_en",
    "uscc",
    "entity_type",
    "legal_rep",
    "legal_rep_id_number",
    "founded_on",
    "registered_capital",
    "capital_currency",
    "registered_address",
    "region_code",
    "industry_code",
    "size_band",
    "main_business",
    "phone",
    "email",
    "website",
    "pain_points",
]
ACCOUNT_FIELDS = ["owner", "account_type", "status", "source", "notes"]
CONTACT_FIELDS = [
    "name",
    "title",
    "department",
    "work_phone",
    "work_email",
    "decision_role",
    "is_primary",
    "notes",
]


# --- rules ----------------------------------------------------------------------------------
def clean_company(company: Company, *, check_duplicate: bool = True) -> None:
    """Normalise and validate a company's fields (one rule set for form, API, import).
    ``check_duplicate=False``: the caller has already looked every USCC up in bulk (an
    import matches a file's USCCs with one query per thousand rows)."""
    errors: dict[str, list[ValidationError]] = {}
    company.name = " ".join((company.name or "").split())
    company.uscc = normalize_uscc(company.uscc or "") or None  # empty means "none", never ""
    if company.uscc:
        try:
            company.uscc = validate_uscc(company.uscc)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    elif company.entity_type not in TYPES_WITHOUT_USCC:
        errors["uscc"] = [
            ValidationError(
                _("该主体类型必须填写统一社会信用代码（只有自然人和境外企业可以不填）。"),
                code="required",
            )
        ]
    if company.legal_rep_id_number:
        try:
            company.legal_rep_id_number = validate_id_number(
                company.legal_rep_id_number, field="legal_rep_id_number"
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if company.phone:
        try:
            company.phone = normalize_phone(company.phone, field="phone")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if company.founded_on and company.founded_on > timezone.localdate():
        errors["founded_on"] = [ValidationError(_("成立日期不能晚于今天。"), code="future_date")]
    try:
        company.full_clean(
            exclude=list(errors) + ["uscc"] if errors else ["uscc"], validate_unique=False
        )
    except ValidationError as exc:
        for field, errs in exc.error_dict.items():
            errors.setdefault(field, []).extend(errs)
    # The name of the existing record is not shown: it may lie outside the user's scope.
    if (
        check_duplicate
        and not errors.get("uscc")
        and company.uscc
        and Company.objects.filter(uscc=company.uscc).exclude(pk=company.pk).exists()
    ):
        errors["uscc"] = [
            ValidationError(
                _(
                    "统一社会信用代码 %(u)s 已存在于客户主档。请勿重复建档：如需与该客户合作，请在该客户下为本公司开户。"
                )
                % {"u": company.uscc},
                code="duplicate",
            )
        ]
    if errors:
        raise ValidationError(errors)


def owner_allowed(actor: User, owner: User) -> bool:
    """An actor may hand an account only to someone inside their own data scope."""
    if not owner.is_active or owner.org_unit_id is None:
        return False
    spec = user_scope(actor)
    if spec.nothing:
        return False
    if spec.everything or owner.pk == actor.pk:
        return True
    if spec.business_unit_id is not None:
        return owner.org_unit.business_unit_id == spec.business_unit_id
    if spec.unit_ids is not None:
        return owner.org_unit_id in spec.unit_ids
    return False


def allocate_archive_no(prefix: str, year: int | None = None) -> str:
    """Next archive number ``TYPE-YEAR-SEQ`` (e.g. ``B2B-2024-001``).

    One atomic upsert statement bumps the counter, so concurrent creations on PostgreSQL
    (row lock on conflict) and SQLite (single writer) never receive the same number.
    """
    year = year or timezone.localdate().year
    table = ArchiveSequence._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (prefix, year, last_value) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [prefix, year],
        )
        seq = cur.fetchone()[0]
    return f"{prefix}-{year}-{seq:03d}"


def allocate_archive_block(prefix: str, year: int | None, count: int) -> list[str]:
    """``count`` consecutive archive numbers at once (bulk loads, imports).

    The same single atomic upsert as :func:`allocate_archive_no`, bumping the counter by
    ``count`` and returning its new last value: the block ``last - count + 1 … last`` belongs
    to this caller alone, so it can never overlap with numbers handed out concurrently.
    """
    if count <= 0:
        return []
    year = year or timezone.localdate().year
    table = ArchiveSequence._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (prefix, year, last_value) VALUES (%s, %s, %s) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last_value = {table}.last_value + %s "
            "RETURNING last_value",
            [prefix, year, count, count],
        )
        last = cur.fetchone()[0]
    return [f"{prefix}-{year}-{seq:03d}" for seq in range(last - count + 1, last + 1)]


def reindex_companies(company_ids: Iterable[int]) -> None:
    ids = list(company_ids)
    companies = Company.objects.filter(pk__in=ids).only("id", "name", "name_en")
    names: dict[int, list[str]] = {}
    for cid, name in Contact.objects.filter(company_id__in=ids).values_list("company_id", "name"):
        names.setdefault(cid, []).append(name)
    search.write_docs(
        [search.build_doc(c.pk, c.name, c.name_en, names.get(c.pk, [])) for c in companies]
    )


# --- companies and accounts -------------------------------------------------------------------
def _company_from(data: dict[str, Any], company: Company | None = None) -> Company:
    company = company or Company()
    for key, value in data.items():
        if key not in COMPANY_FIELDS:
            raise field_error(key, _("未知字段或不允许修改。"), "unknown_field")
        setattr(company, key, value.strip() if isinstance(value, str) else value)
    return company


@transaction.atomic
def create_customer(
    *,
    actor: User,
    company: dict[str, Any],
    owner: User | None = None,
    account_type: str = "B2B",
    status: str = "lead",
    source: str = "",
    notes: str = "",
) -> CustomerAccount:
    """Create a golden record and this business unit's account with it, in one step."""
    require_action(actor, Action.CREATE)
    new = _company_from(company)
    clean_company(new)
    new.created_by = actor
    new.save()
    record_change(
        actor=actor, action="create", instance=new, after=snapshot(new), company_id=new.pk
    )
    reindex_companies([new.pk])
    index_company(new)  # duplicate-check keys (xinren.quality), same transaction
    return open_account(
        actor=actor,
        company=new,
        owner=owner,
        account_type=account_type,
        status=status,
        source=source,
        notes=notes,
        _new_company=True,
    )


@transaction.atomic
def open_account(
    *,
    actor: User,
    company: Company,
    owner: User | None = None,
    account_type: str = "B2B",
    status: str = "lead",
    source: str = "",
    notes: str = "",
    _new_company: bool = False,
) -> CustomerAccount:
    """Open the owner's business unit's account with an existing golden record."""
    require_action(actor, Action.CREATE)
    owner = owner or actor
    if not owner_allowed(actor, owner):
        raise field_error("owner", _("归属人不在您的数据范围内。"), "out_of_scope")
    unit: OrgUnit = owner.org_unit
    account = CustomerAccount(
        company=company,
        business_unit_id=unit.business_unit_id,
        owner=owner,
        owner_unit=unit,
        account_type=account_type,
        status=status,
        source=source,
        notes=notes,
        created_by=actor,
        archive_no="pending",
    )
    clean_account(account)
    if CustomerAccount.objects.filter(
        company=company, business_unit_id=unit.business_unit_id
    ).exists():
        raise field_error("company", _("本公司已有该客户的账户。"), "duplicate_account")
    account.archive_no = allocate_archive_no(account.account_type)
    account.save()
    record_change(
        actor=actor,
        action="create",
        instance=account,
        after=snapshot(account),
        company_id=company.pk,
        account_id=account.pk,
    )
    return account


def clean_account(account: CustomerAccount) -> None:
    """Validate an account's own fields (type, lifecycle stage, source, notes)."""
    account.full_clean(
        exclude=["company", "business_unit", "owner_unit", "owner", "archive_no"],
        validate_unique=False,
        validate_constraints=False,
    )


def _require_company(actor: User, company: Company, action: str) -> None:
    require_action(actor, action)
    if not visible_companies(actor).filter(pk=company.pk).exists():
        raise PermissionDenied(_("该客户不在您的数据范围内。"))


def _require_account(actor: User, account: CustomerAccount, action: str) -> None:
    require_action(actor, action)
    if not visible_accounts(actor).filter(pk=account.pk).exists():
        raise PermissionDenied(_("该客户账户不在您的数据范围内。"))


@transaction.atomic
def update_company(
    *, actor: User, company: Company, data: dict[str, Any], expected_version: int
) -> Company:
    _require_company(actor, company, Action.EDIT)
    before = snapshot(company)
    _company_from(data, company)
    clean_company(company)
    save_versioned(company, expected_version, COMPANY_FIELDS + ["updated_at"])
    record_change(
        actor=actor,
        action="update",
        instance=company,
        before=before,
        after=snapshot(company),
        company_id=company.pk,
    )
    if {"name", "name_en"} & set(data):
        reindex_companies([company.pk])
    if {"name", "phone", "uscc"} & set(data):
        index_company(company)  # lookup keys (xinren.quality: duplicates, screening), same tx
    return company


@transaction.atomic
def delete_company(*, actor: User, company: Company) -> None:
    """Delete a golden record with everything hanging off it. Allowed only to someone who
    sees every account of it: one subsidiary must not erase another's relationship."""
    _require_company(actor, company, Action.DELETE)
    all_accounts = company.accounts.count()
    visible = visible_accounts(actor).filter(company=company).count()
    if visible < all_accounts:
        raise PermissionDenied(_("该客户还有其他公司的账户，您只能删除本公司的账户。"))
    before, pk = snapshot(company), company.pk
    for account in company.accounts.all():
        record_change(
            actor=actor,
            action="delete",
            instance=account,
            before=snapshot(account),
            company_id=pk,
            account_id=account.pk,
        )
    files = [d.file.name for d in company.documents.all()]
    search.delete_docs([pk])
    company.delete()
    company.pk = pk
    record_change(actor=actor, action="delete", instance=company, before=before, company_id=pk)
    delete_customer_events(company_id=pk)
    transaction.on_commit(lambda: _remove_files(files))


@transaction.atomic
def update_account(
    *, actor: User, account: CustomerAccount, data: dict[str, Any], expected_version: int
) -> CustomerAccount:
    _require_account(actor, account, Action.EDIT)
    before = snapshot(account)
    for key, value in data.items():
        if key not in ACCOUNT_FIELDS:
            raise field_error(key, _("未知字段或不允许修改。"), "unknown_field")
        setattr(account, key, value.strip() if isinstance(value, str) else value)
    if "owner" in data:
        owner = data["owner"]
        if not owner_allowed(actor, owner):
            raise field_error("owner", _("归属人不在您的数据范围内。"), "out_of_scope")
        if owner.org_unit.business_unit_id != account.business_unit_id:
            raise field_error("owner", _("归属人必须属于该账户所在的公司。"), "other_business_unit")
        account.owner_unit = owner.org_unit
    account.full_clean(
        exclude=["company", "business_unit", "owner_unit", "owner", "archive_no"],
        validate_unique=False,
        validate_constraints=False,
    )
    save_versioned(account, expected_version, ACCOUNT_FIELDS + ["owner_unit", "updated_at"])
    record_change(
        actor=actor,
        action="update",
        instance=account,
        before=before,
        after=snapshot(account),
        company_id=account.company_id,
        account_id=account.pk,
    )
    return account


@transaction.atomic
def set_service_team(*, actor: User, account: CustomerAccount, members: list[User]) -> None:
    _require_account(actor, account, Action.EDIT)
    for member in members:
        if (
            not member.is_active
            or member.org_unit is None
            or member.org_unit.business_unit_id != account.business_unit_id
        ):
            raise field_error(
                "service_team",
                _("服务团队成员必须是该公司的在职用户：%(u)s") % {"u": member},
                "other_business_unit",
            )
    before = sorted(account.service_team.values_list("id", flat=True))
    ServiceAssignment.objects.filter(account=account).exclude(user__in=members).delete()
    for member in members:
        ServiceAssignment.objects.get_or_create(account=account, user=member)
    record_change(
        actor=actor,
        action="update",
        instance=account,
        before={"service_team": before},
        after={"service_team": sorted(m.pk for m in members)},
        company_id=account.company_id,
        account_id=account.pk,
    )


@transaction.atomic
def delete_account(*, actor: User, account: CustomerAccount) -> None:
    _require_account(actor, account, Action.DELETE)
    before, pk = snapshot(account), account.pk
    delete_customer_events(account_id=pk)
    account.delete()
    account.pk = pk
    record_change(
        actor=actor,
        action="delete",
        instance=account,
        before=before,
        company_id=account.company_id,
        account_id=pk,
    )


# --- contacts -------------------------------------------------------------------------------
def clean_contact(contact: Contact) -> None:
    """Normalise and validate a contact (work phone, e-mail, choices)."""
    errors: dict[str, list[ValidationError]] = {}
    if contact.work_phone:
        try:
            contact.work_phone = normalize_phone(contact.work_phone, field="work_phone")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    contact.phone_digits = phone_digits(contact.work_phone)
    try:
        contact.full_clean(exclude=list(errors) + ["company"])
    except ValidationError as exc:
        for field, errs in exc.error_dict.items():
            errors.setdefault(field, []).extend(errs)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_contact(*, actor: User, company: Company, data: dict[str, Any]) -> Contact:
    _require_company(actor, company, Action.EDIT)
    contact = Contact(company=company, created_by=actor)
    for key, value in data.items():
        if key not in CONTACT_FIELDS:
            raise field_error(key, _("未知字段或不允许修改。"), "unknown_field")
        setattr(contact, key, value.strip() if isinstance(value, str) else value)
    clean_contact(contact)
    contact.save()
    record_change(
        actor=actor,
        action="create",
        instance=contact,
        after=snapshot(contact),
        company_id=company.pk,
    )
    reindex_companies([company.pk])
    return contact


@transaction.atomic
def update_contact(
    *, actor: User, contact: Contact, data: dict[str, Any], expected_version: int
) -> Contact:
    _require_company(actor, contact.company, Action.EDIT)
    before = snapshot(contact)
    for key, value in data.items():
        if key not in CONTACT_FIELDS:
            raise field_error(key, _("未知字段或不允许修改。"), "unknown_field")
        setattr(contact, key, value.strip() if isinstance(value, str) else value)
    clean_contact(contact)
    save_versioned(contact, expected_version, CONTACT_FIELDS + ["phone_digits", "updated_at"])
    record_change(
        actor=actor,
        action="update",
        instance=contact,
        before=before,
        after=snapshot(contact),
        company_id=contact.company_id,
    )
    if "name" in data:
        reindex_companies([contact.company_id])
    return contact


@transaction.atomic
def delete_contact(*, actor: User, contact: Contact) -> None:
    _require_company(actor, contact.company, Action.EDIT)
    before, pk = snapshot(contact), contact.pk
    contact.delete()
    contact.pk = pk
    record_change(
        actor=actor, action="delete", instance=contact, before=before, company_id=contact.company_id
    )
    reindex_companies([contact.company_id])


# --- documents ------------------------------------------------------------------------------
# Allowed uploads: extension -> (content type, magic-number check)
_MAGIC = {
    "pdf": ("application/pdf", lambda b: b.startswith(b"%PDF-")),
    "png": ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda b: b.startswith(b"PK\x03\x04"),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda b: b.startswith(b"PK\x03\x04"),
    ),
    "ofd": ("application/ofd", lambda b: b.startswith(b"PK\x03\x04")),
}
ALLOWED_EXTENSIONS = sorted(_MAGIC)


def check_upload(
    name: str,
    size: int,
    head: bytes,
    *,
    allowed: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> tuple[str, str]:
    """``(extension, content type)`` of an acceptable upload, or a field-named error: the
    extension is one of ``allowed`` (default: every known type), the size at most
    ``max_bytes`` (default ``DOCUMENT_MAX_BYTES``), and the first bytes are those of the
    type the extension names (a renamed file is refused)."""
    allowed = sorted(ALLOWED_EXTENSIONS if allowed is None else set(allowed) & set(_MAGIC))
    max_bytes = settings.DOCUMENT_MAX_BYTES if max_bytes is None else max_bytes
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise field_error(
            "file",
            _("不支持的文件类型“%(e)s”，允许：%(a)s。")
            % {"e": ext or "?", "a": ", ".join(allowed)},
            "file_type",
        )
    if size <= 0:
        raise field_error("file", _("文件为空。"), "file_empty")
    if size > max_bytes:
        raise field_error(
            "file",
            _("文件过大：最大 %(m)d MB。") % {"m": max_bytes // (1024 * 1024)},
            "file_size",
        )
    content_type, matches = _MAGIC[ext]
    if not matches(head):
        raise field_error("file", _("文件内容与扩展名“%(e)s”不符。") % {"e": ext}, "file_content")
    return ext, content_type


@transaction.atomic
def upload_document(
    *,
    actor: User,
    company: Company,
    file: File,
    doc_type: str,
    account: CustomerAccount | None = None,
    title: str = "",
    issued_on=None,
    expires_on=None,
) -> Document:
    _require_company(actor, company, Action.EDIT)
    if account is not None:
        if account.company_id != company.pk:
            raise field_error("account", _("账户不属于该客户。"), "mismatch")
        _require_account(actor, account, Action.EDIT)
    return store_document(
        actor=actor, company=company, file=file, doc_type=doc_type, account=account,
        title=title, issued_on=issued_on, expires_on=expires_on,
    )  # fmt: skip


@transaction.atomic
def store_document(
    *,
    actor: User | None,
    company: Company,
    file: File,
    doc_type: str,
    account: CustomerAccount | None = None,
    title: str = "",
    issued_on=None,
    expires_on=None,
    allowed: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Check and store one uploaded document (type, size, content by magic bytes, dates),
    with its history and timeline entry. Rights are the caller's: :func:`upload_document`
    for staff, :func:`xinren.kyc.upload_links.upload_document` for a customer's upload link
    (``actor`` None, narrower ``allowed`` and ``max_bytes``)."""
    if doc_type not in DocumentType.values:
        raise field_error("doc_type", _("未知的文件类型。"), "choice")
    name = getattr(file, "name", "") or "upload"
    size = file.size
    file.seek(0)
    head = file.read(16)
    content_type = check_upload(name, size, head, allowed=allowed, max_bytes=max_bytes)[1]
    if issued_on and expires_on and expires_on < issued_on:
        raise field_error("expires_on", _("有效期至不能早于签发日期。"), "date_order")
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    doc = Document(
        company=company,
        account=account,
        doc_type=doc_type,
        title=title.strip(),
        original_name=name.rsplit("/", 1)[-1][:255],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_by=actor,
    )
    doc.file.save(doc.sha256, file, save=False)
    written = doc.file.name
    try:
        doc.full_clean(exclude=["file"])
        doc.save()
    except Exception:
        doc.file.storage.delete(written)
        raise
    record_change(
        actor=actor,
        action="create",
        instance=doc,
        after=snapshot(doc),
        company_id=company.pk,
        account_id=account.pk if account else None,
    )
    record_event(
        company_id=company.pk,
        account_id=account.pk if account else None,
        kind=EventKind.DOCUMENT,
        occurred_at=doc.created_at,
        instance=doc,
        title=f"{doc.get_doc_type_display()}：{doc.title or doc.original_name}",
        detail={"doc_type": doc.doc_type, "size": doc.size},
        actor=actor,
    )
    return doc


@transaction.atomic
def delete_document(*, actor: User, document: Document) -> None:
    _require_company(actor, document.company, Action.DELETE)
    if document.account_id:
        _require_account(actor, document.account, Action.DELETE)
    before, pk, name = snapshot(document), document.pk, document.file.name
    delete_events(Document._meta.label_lower, [pk])
    document.delete()
    document.pk = pk
    record_change(
        actor=actor,
        action="delete",
        instance=document,
        before=before,
        company_id=document.company_id,
        account_id=document.account_id,
    )
    if not Document.objects.filter(file=name).exists():
        transaction.on_commit(lambda: _remove_files([name]))


def _remove_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name and not Document.objects.filter(file=name).exists():
            default_storage.delete(name)
