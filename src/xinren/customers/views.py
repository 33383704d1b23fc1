"""The customer 360 page and the forms that change a customer. Views only translate between
HTTP and the services: every check and write happens in ``xinren.customers.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.customers import services
from xinren.customers.filters import CompanyFilters, filter_companies
from xinren.customers.models import Company, Contact, CustomerAccount, Document
from xinren.customers.presenters import masked, sees_sensitive
from xinren.customers.selectors import (
    account_for,
    company_for,
    company_history,
    contact_for,
    document_for,
    visible_accounts,
    visible_companies,
    visible_documents,
    with_visible_accounts,
)
from xinren.customers.successors import successor_of
from xinren.orgs.access import has_action, user_scope
from xinren.orgs.models import Action, User
from xinren.standards.codes import industry_label, region_label
from xinren.web.forms import posted_version, run_service
from xinren.web.paging import keyset_page

from .forms import (
    AccountForm,
    CompanyForm,
    ContactForm,
    CustomerFilterForm,
    DocumentForm,
    NewCustomerForm,
)


def company_or_404(user, pk: int) -> Company:
    """The company if the user may see it, else "not found" (never "forbidden": a user must
    not learn that a customer outside their scope exists). Every package's pages use it."""
    try:
        return company_for(user, pk)
    except Company.DoesNotExist:
        raise Http404(_("客户不存在或不在您的数据范围内。")) from None


def account_or_404(user, pk: int) -> CustomerAccount:
    """The account if the user may see it, else "not found" (see :func:`company_or_404`)."""
    try:
        return account_for(user, pk)
    except CustomerAccount.DoesNotExist:
        raise Http404(_("客户账户不存在或不在您的数据范围内。")) from None


def assignable_owners(actor: User):
    """Users an actor may make owner of an account: active, placed, within the actor's scope
    (the same rule :func:`services.owner_allowed` applies on save)."""
    users = User.objects.filter(is_active=True, org_unit__isnull=False).select_related("org_unit")
    spec = user_scope(actor)
    if spec.nothing:
        return users.none()
    if spec.everything:
        return users
    if spec.business_unit_id is not None:
        return users.filter(org_unit__business_unit_id=spec.business_unit_id)
    if spec.unit_ids is not None:
        return users.filter(org_unit_id__in=spec.unit_ids)
    return users.filter(pk=actor.pk)


# --- list -----------------------------------------------------------------------------------
PAGE_SIZE = 20


def _filters(request) -> tuple[CustomerFilterForm, CompanyFilters]:
    form = CustomerFilterForm(request.GET or None)
    data = dict(request.GET.items())
    if data.get("mine"):
        data["owner_id"] = request.user.pk
    return form, CompanyFilters.from_mapping(data)


@login_required
def customer_list(request):
    form, filters = _filters(request)
    companies = filter_companies(request.user, filters).order_by("-id")
    page = keyset_page(
        request, companies, PAGE_SIZE, prepare=lambda qs: with_visible_accounts(request.user, qs)
    )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "xinren/customers/customer_list.html"
    if request.htmx and request.htmx.target == "customer-results":
        template = "xinren/customers/_customer_results.html"
    return render(request, template, context)


# --- 360 page -------------------------------------------------------------------------------
@login_required
def customer_detail(request, pk: int):
    user = request.user
    try:
        company = company_or_404(user, pk)
    except Http404:
        # A link to a company merged into another (a notification, a bookmark) leads on to it.
        survivor = successor_of(pk) if not Company.objects.filter(pk=pk).exists() else None
        if survivor is None or not visible_companies(user).filter(pk=survivor).exists():
            raise
        messages.info(request, _("该客户已合并到本客户，已为您跳转。"))
        return redirect("web:customer-detail", pk=survivor)
    accounts = list(
        visible_accounts(user)
        .filter(company=company)
        .select_related("owner", "owner_unit", "business_unit")
        .prefetch_related("service_team")
        .order_by("id")
    )
    contacts = list(company.contacts.all())
    for contact in contacts:
        contact.shown_phone = masked(user, contact, "work_phone")
    documents = list(visible_documents(user, company).select_related("account", "uploaded_by"))
    history = list(company_history(user, company)[:100])
    own_unit = user.org_unit.business_unit_id if user.org_unit_id else None
    context = {
        "company": company,
        "region": region_label(company.region_code) if company.region_code else "",
        "industry": industry_label(company.industry_code) if company.industry_code else "",
        "phone": masked(user, company, "phone"),
        "legal_rep_id": masked(user, company, "legal_rep_id_number"),
        "sensitive": sees_sensitive(user),
        "accounts": accounts,
        "contacts": contacts,
        "documents": documents,
        "history": history,
        "document_form": DocumentForm(accounts=visible_accounts(user).filter(company=company)),
        "can_open_account": has_action(user, Action.CREATE)
        and own_unit is not None
        and not company.accounts.filter(business_unit_id=own_unit).exists(),
    }
    return render(request, "xinren/customers/customer_detail.html", context)


# --- create and edit ------------------------------------------------------------------------
@login_required
def customer_create(request):
    if not has_action(request.user, Action.CREATE):
        raise PermissionDenied(_("您的角色没有“新建”权限。"))
    owners = assignable_owners(request.user)
    form = NewCustomerForm(request.POST or None, owners=owners, initial={"owner": request.user.pk})
    created: list[CustomerAccount] = []

    def save():
        created.append(
            services.create_customer(
                actor=request.user,
                company=form.company_data(),
                owner=form.cleaned_data.get("owner") or request.user,
                account_type=form.cleaned_data["account_type"],
                status=form.cleaned_data["status"],
                source=form.cleaned_data.get("source", ""),
            )
        )

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        account = created[0]
        messages.success(
            request,
            _("已建档：%(name)s（%(no)s）")
            % {"name": account.company.name, "no": account.archive_no},
        )
        return redirect("web:customer-detail", pk=account.company_id)
    return _form_page(request, "xinren/customers/company_form.html", form, creating=True)


@login_required
def customer_edit(request, pk: int):
    company = company_or_404(request.user, pk)
    if not has_action(request.user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    initial = {f: getattr(company, f) for f in services.COMPANY_FIELDS}
    form = CompanyForm(request.POST or None, initial=initial)
    version = posted_version(request, company)

    def save():
        services.update_company(
            actor=request.user, company=company, data=form.company_data(), expected_version=version
        )

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("已保存。"))
        return redirect("web:customer-detail", pk=company.pk)
    return _form_page(
        request, "xinren/customers/company_form.html", form, company=company, version=version
    )


def _form_page(request, template: str, form, **context):
    """A form page; 409 when the save was refused because someone else saved first."""
    conflict = getattr(form, "conflict", False)
    return render(
        request,
        template,
        {"form": form, "conflict": conflict, **context},
        status=409 if conflict else 200,
    )


@login_required
@require_POST
def customer_validate(request):
    """Inline validation (htmx): the same ``clean_company`` rule as on save, run on an
    unsaved copy, answering with the error of the field that just changed."""
    field = request.headers.get("HX-Trigger-Name") or request.POST.get("_field", "")
    form = CompanyForm(request.POST)
    form.is_valid()
    errors = list(form.errors.get(field, []))
    if not errors and field in services.COMPANY_FIELDS:
        company = Company(
            pk=int(request.POST["_pk"]) if request.POST.get("_pk", "").isdigit() else None
        )
        for name in services.COMPANY_FIELDS:
            if name in form.cleaned_data:
                setattr(company, name, form.cleaned_data[name])
        try:
            services.clean_company(company)
        except ValidationError as exc:
            errors = [m for e in exc.error_dict.get(field, []) for m in e.messages]
    return render(request, "xinren/web/_field_errors.html", {"errors": errors, "field": field})


@login_required
@require_POST
def customer_delete(request, pk: int):
    company = company_or_404(request.user, pk)
    try:
        services.delete_company(actor=request.user, company=company)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("web:customer-detail", pk=pk)
    messages.success(request, _("已删除客户：%(name)s") % {"name": company.name})
    return redirect("web:customer-list")


# --- accounts -------------------------------------------------------------------------------
@login_required
def account_open(request, pk: int):
    company = company_or_404(request.user, pk)
    form = AccountForm(
        request.POST or None,
        owners=assignable_owners(request.user),
        initial={"owner": request.user.pk},
    )

    def save():
        data = form.service_data()
        owner = data.pop("owner", None) or request.user
        services.open_account(actor=request.user, company=company, owner=owner, **data)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("已为本公司开户。"))
        return redirect("web:customer-detail", pk=company.pk)
    return _form_page(
        request, "xinren/customers/account_form.html", form, company=company, creating=True
    )


@login_required
def account_edit(request, pk: int):
    account = account_or_404(request.user, pk)
    initial = {f: getattr(account, f) for f in services.ACCOUNT_FIELDS}
    team = list(account.service_team.all())
    initial["service_team"] = team
    candidates = User.objects.filter(
        is_active=True, org_unit__business_unit_id=account.business_unit_id
    ).select_related("org_unit")
    form = AccountForm(
        request.POST or None,
        owners=assignable_owners(request.user),
        team_candidates=candidates,
        initial=initial,
    )
    version = posted_version(request, account)

    @transaction.atomic
    def save():
        data = form.service_data()
        if data.get("owner") == account.owner:
            data.pop("owner")
        services.update_account(
            actor=request.user, account=account, data=data, expected_version=version
        )
        members = list(form.cleaned_data.get("service_team") or [])
        if {m.pk for m in members} != {m.pk for m in team}:
            services.set_service_team(actor=request.user, account=account, members=members)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("已保存。"))
        return redirect("web:customer-detail", pk=account.company_id)
    return _form_page(
        request,
        "xinren/customers/account_form.html",
        form,
        account=account,
        company=account.company,
        version=version,
    )


@login_required
@require_POST
def account_delete(request, pk: int):
    account = account_or_404(request.user, pk)
    services.delete_account(actor=request.user, account=account)
    messages.success(request, _("已删除账户 %(no)s。") % {"no": account.archive_no})
    if visible_companies(request.user).filter(pk=account.company_id).exists():
        return redirect("web:customer-detail", pk=account.company_id)
    return redirect("web:customer-list")


# --- contacts -------------------------------------------------------------------------------
def _contact_or_404(user, pk: int) -> Contact:
    try:
        return contact_for(user, pk)
    except Contact.DoesNotExist:
        raise Http404(_("联系人不存在或不在您的数据范围内。")) from None


@login_required
def contact_form(request, company_pk: int | None = None, pk: int | None = None):
    contact = _contact_or_404(request.user, pk) if pk else None
    company = contact.company if contact else company_or_404(request.user, company_pk)
    initial = {f: getattr(contact, f) for f in services.CONTACT_FIELDS} if contact else {}
    if contact and not sees_sensitive(request.user):
        initial["work_phone"] = ""  # never put a number into the page the user may not see
    form = ContactForm(request.POST or None, initial=initial)
    version = posted_version(request, contact)

    def save():
        data = dict(form.cleaned_data)
        if contact and not sees_sensitive(request.user) and not data.get("work_phone"):
            data.pop("work_phone")  # left blank: keep the number the user cannot see
        if contact:
            services.update_contact(
                actor=request.user, contact=contact, data=data, expected_version=version
            )
        else:
            services.create_contact(actor=request.user, company=company, data=data)

    if request.method == "POST" and form.is_valid() and run_service(form, save):
        messages.success(request, _("联系人已保存。"))
        return redirect(reverse("web:customer-detail", args=[company.pk]) + "#contacts")
    return _form_page(
        request,
        "xinren/customers/contact_form.html",
        form,
        company=company,
        contact=contact,
        version=version,
    )


@login_required
@require_POST
def contact_delete(request, pk: int):
    contact = _contact_or_404(request.user, pk)
    services.delete_contact(actor=request.user, contact=contact)
    messages.success(request, _("已删除联系人 %(name)s。") % {"name": contact.name})
    return redirect(reverse("web:customer-detail", args=[contact.company_id]) + "#contacts")


# --- documents ------------------------------------------------------------------------------
def _document_or_404(user, pk: int) -> Document:
    try:
        return document_for(user, pk)
    except Document.DoesNotExist:
        raise Http404(_("附件不存在或不在您的数据范围内。")) from None


@login_required
@require_POST
def document_upload(request, pk: int):
    company = company_or_404(request.user, pk)
    form = DocumentForm(
        request.POST,
        request.FILES,
        accounts=visible_accounts(request.user).filter(company=company),
    )

    def save():
        data = form.cleaned_data
        services.upload_document(
            actor=request.user,
            company=company,
            file=data["file"],
            doc_type=data["doc_type"],
            account=data.get("account"),
            title=data.get("title", ""),
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
        )

    if form.is_valid() and run_service(form, save):
        messages.success(request, _("附件已上传。"))
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)
    return redirect(reverse("web:customer-detail", args=[company.pk]) + "#documents")


@login_required
def document_download(request, pk: int):
    doc = _document_or_404(request.user, pk)
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name,
        content_type=doc.content_type,
    )


@login_required
@require_POST
def document_delete(request, pk: int):
    doc = _document_or_404(request.user, pk)
    services.delete_document(actor=request.user, document=doc)
    messages.success(request, _("附件已删除。"))
    return redirect(reverse("web:customer-detail", args=[doc.company_id]) + "#documents")


@login_required
def customer_history_rows(request, pk: int):
    """More history rows for the 360 page (htmx, keyset on id)."""
    company = company_or_404(request.user, pk)
    rows = company_history(request.user, company)
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    rows = list(rows[:100])
    return render(
        request, "xinren/customers/_history_rows.html", {"history": rows, "company": company}
    )
