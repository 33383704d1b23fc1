"""Pages: an account's contracts, orders, milestones and receipts with its payment figures;
edit a contract; import orders, milestones or receipts from a file. Views parse and render;
services and selectors do the rest."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_documents
from xinren.customers.views import account_or_404
from xinren.jobs.services import submit
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.web.forms import posted_version, run_service

from . import figures, imports, selectors, services, tasks
from .forms import (
    ContractForm,
    ImportForm,
    MilestoneEditForm,
    MilestoneForm,
    OrderEditForm,
    OrderForm,
    ReceiptForm,
)

LIST_LIMIT = 50
# Each list of the page pages on its own: ``?<param>=<cursor>`` shows its older rows.
LISTS = {"c": "contracts", "o": "orders", "m": "milestones", "r": "receipts"}


def _older_url(request, param: str, cursor: str | None) -> str | None:
    """The page's address with one list moved on to ``cursor`` (the others stay put)."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query[param] = cursor
    return f"?{query.urlencode()}#{LISTS[param]}"


def _newest_url(request, param: str) -> str | None:
    if not request.GET.get(param):
        return None
    query = request.GET.copy()
    query.pop(param)
    return f"?{query.urlencode()}#{LISTS[param]}"


def _account(request, pk: int) -> CustomerAccount:
    return account_or_404(request.user, pk)


def _renamed(call, mapping):
    """Run a service, renaming the fields of its errors to the form's field names."""

    def run():
        try:
            call()
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            renamed = {}
            for name, errors in exc.error_dict.items():
                if name.startswith("lines."):
                    _l, i, part = name.split(".", 2)
                    name = f"line{i}_{part}"
                renamed[mapping.get(name, name)] = errors
            raise ValidationError(renamed) from exc

    return run


def _can(user) -> dict[str, bool]:
    return {a: has_action(user, a) for a in ("create", "edit", "delete")}


@login_required
def account_sales(request, pk: int):
    """合同与收款: figures, chart, contracts, orders, milestones, receipts, and their forms."""
    account = _account(request, pk)
    user = request.user
    can = _can(user)
    today = timezone.localdate()
    pages = {
        "c": selectors.date_page(
            selectors.account_contracts(user, pk), "signed_on", request.GET.get("c"), LIST_LIMIT
        ),
        "o": selectors.date_page(
            selectors.account_orders(user, pk), "ordered_on", request.GET.get("o"), LIST_LIMIT
        ),
        "m": selectors.date_page(
            selectors.account_milestones(user, pk), "due_on", request.GET.get("m"), LIST_LIMIT * 2
        ),
        "r": selectors.date_page(
            selectors.account_receipts(user, pk), "received_on", request.GET.get("r"), LIST_LIMIT
        ),
    }
    contracts, orders = pages["c"].items, pages["o"].items
    milestones, receipts = pages["m"].items, pages["r"].items
    paging = {
        LISTS[p]: {
            "older": _older_url(request, p, page.next_cursor),
            "newest": _newest_url(request, p),
        }
        for p, page in pages.items()
    }
    open_milestones = list(
        selectors.account_milestones(user, pk)
        .filter(paid_on__isnull=True)
        .order_by("due_on", "pk")[:200]
    )
    documents = list(visible_documents(user, account.company).filter(doc_type="contract")[:100])
    action = request.POST.get("form") if request.method == "POST" else None
    if action and not can["create"]:
        raise PermissionDenied(_("您的角色没有“新建”权限。"))

    def bound(name):
        return request.POST if action == name else None

    contract_form = ContractForm(
        bound("contract"), documents=documents, prefix="c",
        initial={"currency": "CNY", "status": "active", "payment_terms": "credit"},
    )  # fmt: skip
    order_form = OrderForm(
        bound("order"), contracts=contracts, prefix="o", initial={"currency": "CNY"}
    )
    milestone_form = MilestoneForm(
        bound("milestone"), orders=orders, contracts=contracts, prefix="m"
    )
    receipt_form = ReceiptForm(
        bound("receipt"), milestones=open_milestones, prefix="r", initial={"received_on": today}
    )
    saved = None
    if action == "contract" and contract_form.is_valid():
        data = dict(contract_form.cleaned_data)
        docs = data.pop("documents", None)
        call = _renamed(
            lambda: services.create_contract(
                actor=user, account=account, data=data, document_ids=docs
            ),
            {},
        )
        if run_service(contract_form, call):
            saved = _("合同已保存。")
    elif action == "order" and order_form.is_valid():
        data = {k: v for k, v in order_form.cleaned_data.items() if not k.startswith("line")}
        call = _renamed(
            lambda: services.create_order(
                actor=user, account=account, data=data, lines=order_form.lines()
            ),
            {},
        )
        if run_service(order_form, call):
            saved = _("订单已保存。")
    elif action == "milestone" and milestone_form.is_valid():
        data = dict(milestone_form.cleaned_data)
        call = _renamed(
            lambda: services.create_milestone(actor=user, account=account, data=data), {}
        )
        if run_service(milestone_form, call):
            saved = _("收款节点已保存。")
    elif action == "receipt" and receipt_form.is_valid():
        data = dict(receipt_form.cleaned_data)
        call = _renamed(
            lambda: services.record_receipt(
                actor=user, account=account, milestone_id=data.pop("milestone_id"), data=data
            ),
            {},
        )
        if run_service(receipt_form, call):
            saved = _("到账已登记。")
    if saved:
        messages.success(request, saved)
        return redirect("web:account-sales", pk=account.pk)
    got = figures.payment_figures(account.pk, today)
    context = {
        "account": account,
        "company": account.company,
        "today": today,
        "figures": got,
        "delay_percent": None if got.delay_rate is None else got.delay_rate * 100,
        "chart": figures.monthly_due_and_received(account.pk, today),
        "contracts": contracts,
        "orders": orders,
        "milestones": [(m, selectors.milestone_status(m, today)) for m in milestones],
        "receipts": receipts,
        "paging": paging,
        "contract_form": contract_form,
        "order_form": order_form,
        "milestone_form": milestone_form,
        "receipt_form": receipt_form,
        "open_form": action,
    }
    return render(
        request,
        "xinren/sales/account_sales.html",
        context,
        status=422 if action else 200,
    )


@login_required
def contract_edit(request, pk: int):
    try:
        contract = selectors.contract_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404(_("合同不存在或不在您的数据范围内。")) from None
    if not has_action(request.user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    account = contract.account
    documents = list(
        visible_documents(request.user, account.company).filter(doc_type="contract")[:100]
    )
    initial = {f: getattr(contract, f) for f in services.CONTRACT_FIELDS}
    initial["documents"] = [str(d.pk) for d in contract.documents.all()]
    form = ContractForm(request.POST or None, documents=documents, initial=initial)
    version = posted_version(request, contract)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        docs = data.pop("documents", None)
        if run_service(
            form,
            lambda: services.update_contract(
                actor=request.user,
                contract=contract,
                data=data,
                expected_version=version,
                document_ids=docs if "documents" in form.fields else None,
            ),
        ):
            messages.success(request, _("合同已保存。"))
            return redirect("web:account-sales", pk=account.pk)
    return render(
        request,
        "xinren/sales/contract_form.html",
        {"form": form, "contract": contract, "account": account, "company": account.company,
         "version": contract.version if request.method != "POST" else version},
        status=409 if getattr(form, "conflict", False) else 200,
    )  # fmt: skip


def _edit_page(request, *, obj, form, save, message, title, label):
    """The edit page of an order or milestone: version-checked save, conflict → 409 with the
    input kept."""
    version = posted_version(request, obj)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: save(version)):
        messages.success(request, message)
        return redirect("web:account-sales", pk=obj.account_id)
    account = obj.account
    return render(
        request,
        "xinren/sales/record_form.html",
        {"form": form, "account": account, "company": account.company, "title": title,
         "label": label, "version": obj.version if request.method != "POST" else version},
        status=409 if getattr(form, "conflict", False) else 422 if form.errors else 200,
    )  # fmt: skip


@login_required
def order_edit(request, pk: int):
    """Correct an order's date, contract or notes."""
    try:
        order = selectors.order_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404(_("订单不存在或不在您的数据范围内。")) from None
    if not has_action(request.user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    contracts = list(
        selectors.account_contracts(request.user, order.account_id).order_by("-signed_on", "-pk")[
            :200
        ]
    )
    if order.contract is not None and order.contract not in contracts:
        contracts.append(order.contract)
    initial = {
        "ordered_on": order.ordered_on,
        "contract_id": str(order.contract_id or ""),
        "notes": order.notes,
    }
    form = OrderEditForm(request.POST or None, contracts=contracts, initial=initial)

    def save(version):
        services.update_order(
            actor=request.user, order=order, data=dict(form.cleaned_data),
            expected_version=version,
        )  # fmt: skip

    return _edit_page(
        request, obj=order, form=form, save=save, message=_("订单已保存。"),
        title=_("编辑订单"), label=f"{order.number} · {order.amount:,.2f} {order.currency}",
    )  # fmt: skip


@login_required
def milestone_edit(request, pk: int):
    """Correct a milestone's due date and description (its amount while nothing is received)."""
    try:
        milestone = selectors.milestone_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404(_("收款节点不存在或不在您的数据范围内。")) from None
    if not has_action(request.user, Action.EDIT):
        raise PermissionDenied(_("您的角色没有“编辑”权限。"))
    locked = milestone.paid_amount > 0
    initial = {
        "due_on": milestone.due_on,
        "amount": f"{milestone.amount:.2f}",
        "description": milestone.description,
    }
    form = MilestoneEditForm(request.POST or None, amount_locked=locked, initial=initial)

    def save(version):
        data = dict(form.cleaned_data)
        if locked:
            data.pop("amount", None)
        services.update_milestone(
            actor=request.user, milestone=milestone, data=data, expected_version=version
        )

    return _edit_page(
        request, obj=milestone, form=form, save=save, message=_("收款节点已保存。"),
        title=_("编辑收款节点"),
        label=f"{milestone.due_on:%Y-%m-%d} · {milestone.amount:,.2f} {milestone.currency}",
    )  # fmt: skip


def _delete(request, load, remove, message):
    try:
        obj = load(request.user)
    except ObjectDoesNotExist:
        raise Http404(_("记录不存在或不在您的数据范围内。")) from None
    account_pk = obj.account_id
    try:
        remove(obj)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect("web:account-sales", pk=account_pk)


@login_required
@require_POST
def contract_delete(request, pk: int):
    return _delete(
        request,
        lambda u: selectors.contract_for(u, pk),
        lambda c: services.delete_contract(actor=request.user, contract=c),
        _("合同已删除。"),
    )


@login_required
@require_POST
def order_delete(request, pk: int):
    return _delete(
        request,
        lambda u: selectors.order_for(u, pk),
        lambda o: services.delete_order(actor=request.user, order=o),
        _("订单已删除。"),
    )


@login_required
@require_POST
def receipt_reverse(request, pk: int):
    return _delete(
        request,
        lambda u: selectors.receipt_for(u, pk),
        lambda r: services.reverse_receipt(actor=request.user, receipt=r),
        _("到账已冲销。"),
    )


# --- import -----------------------------------------------------------------------------------
SESSION_KEY = "sales_import"


def _stash_dir() -> Path:
    path = tasks.stash_dir()  # old files are removed by the hourly housekeeping job
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stashed(request) -> tuple[dict, bytes] | None:
    info = request.session.get(SESSION_KEY)
    if not info:
        return None
    path = _stash_dir() / info["token"]
    if not path.is_file():
        return None
    return info, path.read_bytes()


@login_required
def sales_import(request):
    """Upload → check (a dry run with the full report) → import."""
    if not has_action(request.user, Action.CREATE):
        raise PermissionDenied(_("您的角色没有“新建”权限。"))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    file_error = None
    job = None
    step = request.POST.get("step", "check")
    if request.method == "POST" and step == "import":
        stashed = _stashed(request)
        if stashed is None:
            messages.error(request, _("请重新上传文件。"))
            return redirect("web:sales-import")
        info, _content = stashed
        # In the background worker, with a progress bar: a large ERP export takes a while.
        job = submit(
            "sales_import", request.user, "xinren.sales.tasks.import_file",
            actor_id=request.user.pk, path=str(_stash_dir() / info["token"]),
            filename=info["filename"], kind=info["kind"], mode=info["mode"],
            language=get_language() or "zh-hans",
        )  # fmt: skip
        form = ImportForm(initial={"kind": info["kind"], "mode": info["mode"]})
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        token = uuid.uuid4().hex
        (_stash_dir() / token).write_bytes(content)
        info = {
            "token": token,
            "filename": upload.name,
            "kind": form.cleaned_data["kind"],
            "mode": form.cleaned_data["mode"],
        }
        request.session[SESSION_KEY] = info
        try:
            result = imports.run_import(
                actor=request.user, kind=info["kind"], content=content,
                filename=info["filename"], mode=info["mode"], dry_run=True,
            )  # fmt: skip
        except imports.ImportFileError as exc:
            file_error = str(exc)
    errors = result.errors[:200] if result else []
    return render(
        request,
        "xinren/sales/import.html",
        {"form": form, "result": result, "errors": errors, "file_error": file_error,
         "step": step, "nav": "sales-import", "job": job},
        status=422 if file_error else 200,
    )  # fmt: skip


@login_required
def sales_import_report(request, fmt: str):
    """The row report of the uploaded file (checked again now), as CSV or Excel."""
    if not has_action(request.user, Action.CREATE):
        raise PermissionDenied(_("您的角色没有“新建”权限。"))
    stashed = _stashed(request)
    if stashed is None:
        raise Http404(_("请重新上传文件。"))
    info, content = stashed
    try:
        result = imports.run_import(
            actor=request.user, kind=info["kind"], content=content,
            filename=info["filename"], mode=info["mode"], dry_run=True,
        )  # fmt: skip
    except imports.ImportFileError as exc:
        raise Http404(str(exc)) from None
    if fmt == "xlsx":
        body = imports.error_report_xlsx(result)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = imports.error_report_csv(result)
        ctype = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="import-report.{fmt}"'
    return response
