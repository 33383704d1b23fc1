"""The "possible duplicates" panel of the New customer form (htmx partial), and the merge
pages: side-by-side merge, result with undo, history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.core.errors import error_items
from xinren.customers.models import Company
from xinren.customers.presenters import SENSITIVE_COMPANY_FIELDS, masked, sees_sensitive
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.standards.codes import industry_label, region_label

from . import merging, selectors
from .models import MergeRecord


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
