"""Quality pages: the "possible duplicates" panel of the New customer form (htmx partial)
and the customer import (upload → mapping → check → import with progress → result)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from xinren.core.tables import stash_dir
from xinren.jobs.models import JobRun
from xinren.jobs.services import submit
from xinren.orgs.access import has_action
from xinren.orgs.models import Action

from . import imports, selectors, services
from .forms import CustomerImportForm
from .models import ImportTemplate


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
