"""Quality pages: the "possible duplicates" panel of the New customer form (htmx partial), the
merge pages (side-by-side merge, result with undo, history) and the customer import (upload →
mapping → check → import with progress → result)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.core.tables import stash_dir
from xinren.customers.models import Company
from xinren.customers.presenters import SENSITIVE_COMPANY_FIELDS, masked, sees_sensitive
from xinren.jobs.models import JobRun
from xinren.jobs.services import submit
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.standards.codes import industry_label, region_label

from . import imports, merging, selectors, services
from .forms import CustomerImportForm
from .models import ImportTemplate, MergeRecord


@login_required
def duplicate_panel(request):
    """Candidates for what is typed in the form (POSTed by htmx as the name, USCC, phone or
    region changes); bad partial input simply shows no candidates."""
    data = request.POST if request.method == "POST" else request.GET
    candidates, error = [], ""
    if any((data.get(f) or "").strip() for f in ("name", "uscc", "phone")):
        try:
            candidates = selectors.duplicate_candidates(
                request.user,
                name=data.get("name", ""),
                uscc=data.get("uscc", ""),
                phone=data.get("phone", ""),
                region_code=data.get("region_code", ""),
            )
        except ValidationError as exc:
            error = " ".join(m for e in exc.error_dict.values() for x in e for m in x.messages)
        except PermissionDenied:
            candidates = []
    return render(
        request,
        "xinren/quality/_duplicates.html",
        {"candidates": candidates, "error": error},
    )


# --- merge ------------------------------------------------------------------------------------
def _display(user, company: Company, name: str) -> str:
    """A field's value as this user may see it, in words (labels for codes and choices)."""
    value = getattr(company, name)
    if value is None or value == "":
        return ""
    if name in SENSITIVE_COMPANY_FIELDS:
        return masked(user, company, name)
    if name == "region_code":
        return region_label(value)
    if name == "industry_code":
        return industry_label(value)
    display = getattr(company, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def _companies_or_404(user, survivor_id: int, other_id: int):
    try:
        return merging.merge_preview(actor=user, survivor_id=survivor_id, other_id=other_id)
    except Company.DoesNotExist:
        if not has_action(user, Action.MERGE):
            raise PermissionDenied(_("您的角色没有“合并”权限。")) from None
        raise Http404(_("客户不存在或不在您的数据范围内。")) from None
    except ValidationError:
        raise Http404(_("不能把客户与它自己合并。")) from None  # the only error before merging


def _error_text(exc: ValidationError) -> str:
    """A service's errors in one line, each led by the field's label."""
    parts = []
    for item in error_items(exc):
        name = item["field"]
        try:
            label = str(Company._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - not a company field (other_id, choices.x)
            label = name
        parts.append(f"{label}：{item['message']}" if label else item["message"])
    return "；".join(parts)


@login_required
def merge_page(request, survivor_id: int, other_id: int):
    """Two records side by side, a radio per differing field preset by survivorship (with the
    reason), what moves, and the confirm button. POST merges and opens the result."""
    user = request.user
    preview = _companies_or_404(user, survivor_id, other_id)
    error = ""
    picks = {f.field: f.pick for f in preview.fields}
    if request.method == "POST":
        choices = {
            f.field: request.POST.get(f"choice_{f.field}", f.pick)
            for f in preview.fields
            if f.differs
        }
        picks.update(choices)
        try:
            record = merging.merge_companies(
                actor=user, survivor=preview.survivor, other=preview.other, choices=choices
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(
                request,
                _("已将 %(o)s 合并到 %(s)s。")
                % {"o": record.other_name, "s": record.survivor_name},
            )
            return redirect("web:quality-merge-detail", pk=record.pk)
    rows = [
        {
            "p": f,
            "survivor": _display(user, preview.survivor, f.field),
            "other": _display(user, preview.other, f.field),
            "pick": picks[f.field],
        }
        for f in preview.fields
    ]
    return render(
        request,
        "xinren/quality/merge.html",
        {"preview": preview, "rows": rows, "error": error, "nav": "merges"},
        status=422 if error else 200,
    )


@login_required
def merge_detail(request, pk: int):
    """One merge: what was merged and moved, with the undo button."""
    try:
        record = selectors.merge_for(request.user, pk)
    except MergeRecord.DoesNotExist:
        raise Http404(_("合并记录不存在或不在您的数据范围内。")) from None
    return render(
        request,
        "xinren/quality/merge_detail.html",
        {
            "record": record,
            "fields": [
                (
                    Company._meta.get_field(f).verbose_name,
                    _shown_value(request.user, f, record.survivor_before[f]),
                    _shown_value(request.user, f, v),
                )
                for f, v in record.survivor_after.items()
            ],
            "counts": _count_labels(record.counts),
            "archive_nos": record.archive_nos.all(),
            "can_undo": has_action(request.user, Action.MERGE) and record.undone_at is None,
            "nav": "merges",
        },
    )


def _shown_value(user, name: str, value) -> str:
    """A stored field value as this user may see it (phone and ID numbers masked)."""
    if value in (None, ""):
        return ""
    if name in SENSITIVE_COMPANY_FIELDS and not sees_sensitive(user):
        return SENSITIVE_COMPANY_FIELDS[name](str(value))
    return str(value)


def _count_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    from django.apps import apps

    out = []
    for label, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        try:
            out.append((apps.get_model(label)._meta.verbose_name, n))
        except LookupError:
            out.append((label, n))
    return out


@login_required
@require_POST
def merge_undo(request, pk: int):
    try:
        record = selectors.merge_for(request.user, pk)
    except MergeRecord.DoesNotExist:
        raise Http404(_("合并记录不存在或不在您的数据范围内。")) from None
    try:
        other = merging.unmerge(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(i["message"] for i in error_items(exc)))
        return redirect("web:quality-merge-detail", pk=record.pk)
    messages.success(request, _("已撤销合并：%(o)s 已恢复。") % {"o": other.name})
    return redirect("web:customer-detail", pk=other.pk)


@login_required
def merge_list(request):
    """Merge history in the user's scope; ``?archive_no=`` finds where a combined account's
    archive number went; ``?survivor_id=&other_id=`` opens the merge page of two customers."""
    pair = [request.GET.get(k, "").strip().lstrip("#") for k in ("survivor_id", "other_id")]
    if all(v.isdigit() for v in pair):
        return redirect("web:quality-merge", survivor_id=int(pair[0]), other_id=int(pair[1]))
    archive_no = (request.GET.get("archive_no") or "").strip()
    records = selectors.visible_merges(request.user).prefetch_related("archive_nos")
    found = selectors.merged_archive_lookup(request.user, archive_no) if archive_no else None
    return render(
        request,
        "xinren/quality/merge_list.html",
        {
            "records": records[:100],
            "archive_no": archive_no,
            "found": found,
            "nav": "merges",
        },
    )


# --- customer import: upload → mapping → check → import (job) → result ----------------------
SESSION_KEY = "customer_import"


def _require_create(user) -> None:
    if not has_action(user, Action.CREATE):
        raise PermissionDenied(_("您的角色没有“新建”权限。"))


def _stashed(request):
    info = request.session.get(SESSION_KEY)
    if not info:
        return None, None
    path = services.stashed_path(actor=request.user, token=info.get("token", ""))
    return (info, path) if path else (None, None)


def _mapping_rows(header, rows, mapping):
    """One line per file column: header, a few sample values, the field it goes to."""
    return [
        {
            "index": i,
            "header": head,
            "samples": [r[i] for r in rows[:3] if i < len(r) and r[i]],
            "field": mapping.get(head, ""),
        }
        for i, head in enumerate(header)
        if head
    ]


@login_required
def customer_import(request):
    """Upload → mapping → check (a dry run with the full report) → import as a job."""
    _require_create(request.user)
    templates = list(
        ImportTemplate.objects.filter(owner=request.user).values_list("name", flat=True)
    )
    step = request.POST.get("step", "upload") if request.method == "POST" else "upload"
    ctx = {
        "nav": "customer-import",
        "fields": imports.field_choices(),
        "step": "upload",
        "step_labels": [
            ("upload", _("上传")),
            ("mapping", _("列映射")),
            ("check", _("检查")),
            ("import", _("导入")),
        ],
    }
    form = CustomerImportForm(templates=templates)
    if request.method == "POST" and step == "upload":
        form = CustomerImportForm(request.POST, request.FILES, templates=templates)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                header, rows, _first = imports.read_file(content, upload.name)
                mapping = (
                    imports.template_mapping(request.user, form.cleaned_data["template"])
                    if form.cleaned_data["template"]
                    else {}
                )
                _columns, used = imports.resolve_mapping(header, mapping)
            except imports.ImportFileError as exc:
                ctx.update(form=form, file_error=str(exc))
                return render(request, "xinren/quality/import.html", ctx, status=422)
            info = {
                "token": services.stash_upload(actor=request.user, content=content),
                "filename": upload.name,
                "mode": form.cleaned_data["mode"],
                "on_match": form.cleaned_data["on_match"],
                "mapping": used,
            }
            request.session[SESSION_KEY] = info
            ctx.update(step="mapping", info=info, columns=_mapping_rows(header, rows, used),
                       rows=len(rows), template=form.cleaned_data["template"])  # fmt: skip
            return render(request, "xinren/quality/import.html", ctx)
    elif request.method == "POST":
        info, path = _stashed(request)
        if info is None:
            messages.error(request, _("请重新上传文件。"))
            return redirect("web:customer-import")
        if step == "check":
            header = request.POST.getlist("header")
            mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(header)}
            info["mapping"] = mapping
            request.session[SESSION_KEY] = info
            name = request.POST.get("template_name", "").strip()
            if name:
                try:
                    imports.save_template(actor=request.user, name=name, mapping=mapping)
                    messages.success(request, _("已保存列映射模板“%(n)s”。") % {"n": name})
                except ValidationError as exc:
                    ctx["file_error"] = " ".join(
                        m for e in exc.error_dict.values() for x in e for m in x.messages
                    )
        if step == "check":
            try:
                result = imports.run_import(
                    actor=request.user, content=path.read_bytes(), filename=info["filename"],
                    mode=info["mode"], on_match=info["on_match"], mapping=info["mapping"],
                    dry_run=True,
                )  # fmt: skip
            except imports.ImportFileError as exc:
                header, rows, _first = imports.read_file(path.read_bytes(), info["filename"])
                ctx.update(step="mapping", info=info, file_error=str(exc), rows=len(rows),
                           columns=_mapping_rows(header, rows, info["mapping"]))  # fmt: skip
                return render(request, "xinren/quality/import.html", ctx, status=422)
            ctx.update(step="check", info=info, result=result, errors=result.errors[:200])
            return render(request, "xinren/quality/import.html", ctx)
        if step == "import":
            job = submit(
                "customer_import", request.user, "xinren.quality.tasks.import_customers",
                actor_id=request.user.pk, path=str(path), filename=info["filename"],
                mode=info["mode"], on_match=info["on_match"], mapping=info["mapping"],
                language=get_language() or "zh-hans",
            )  # fmt: skip
            ctx.update(step="import", info=info, job=job)
            return render(request, "xinren/quality/import.html", ctx)
    ctx.update(form=form)
    return render(request, "xinren/quality/import.html", ctx)


@login_required
def customer_import_report(request):
    """The row report as Excel: of a finished import job (``?job=<id>``), else a fresh check
    of the uploaded file."""
    _require_create(request.user)
    job_id = request.GET.get("job")
    if job_id:
        job = (
            JobRun.objects.filter(pk=job_id, created_by=request.user).first()
            if _is_uuid(job_id)
            else None
        )
        name = (job.result or {}).get("report", "") if job else ""
        path = stash_dir() / name if name else None
        if path is None or not path.is_file():
            raise Http404(_("报告已过期或不存在。"))
        body = path.read_bytes()
    else:
        info, path = _stashed(request)
        if info is None:
            raise Http404(_("请重新上传文件。"))
        try:
            result = imports.run_import(
                actor=request.user, content=path.read_bytes(), filename=info["filename"],
                mode=info["mode"], on_match=info["on_match"], mapping=info["mapping"],
                dry_run=True,
            )  # fmt: skip
        except imports.ImportFileError as exc:
            raise Http404(str(exc)) from None
        body = imports.report_xlsx_bytes(result)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="customer-import-report.xlsx"'
    return response


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
