"""REST endpoints of the data-quality measures: parse → selector/service → schema."""

from __future__ import annotations

from ninja import Router

from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Status
from xinren.orgs.models import Action
from xinren.orgs.schemas import Id

from . import fields as F
from . import selectors, services
from .models import QualityTask
from .schemas import (
    AssignIn,
    AssignOut,
    BreakdownOut,
    RefreshOut,
    TaskListOut,
    TrendOut,
    WorstOut,
)

router = Router(tags=["quality"])


def _fields(keys: list[str]) -> list[dict]:
    return [{"key": k, "label": F.label(k)} for k in keys]


def record_out(s) -> dict:
    account = s.account
    return {
        "account_id": account.pk,
        "archive_no": account.archive_no,
        "company_id": account.company_id,
        "company_name": account.company.name,
        "business_unit": account.business_unit.name,
        "owner": str(account.owner),
        "completeness": s.completeness,
        "validity": s.validity,
        "duplicate": s.duplicate,
        "meets_bar": s.meets_bar,
        "missing": _fields(s.missing),
        "invalid": _fields(s.invalid),
    }


def task_out(task, scores: dict) -> dict:
    now = scores.get(task.account_id)
    return {
        "id": task.pk,
        "status": task.status,
        "account_id": task.account_id,
        "archive_no": task.account.archive_no,
        "company_id": task.account.company_id,
        "company_name": task.account.company.name,
        "assignee_id": task.assignee_id,
        "missing": _fields(task.missing),
        "invalid": _fields(task.invalid),
        "completeness_at_start": task.completeness_at_start,
        "created_at": task.created_at,
        "closed_at": task.closed_at,
        "completeness_now": now.completeness if now else None,
        "validity_now": now.validity if now else None,
    }


@router.get("/quality/measures", response={200: BreakdownOut, **ERRORS})
def quality_measures(
    request,
    group_by: str = "subsidiary",
    subsidiary: Id | None = None,
    department: Id | None = None,
    owner: Id | None = None,
):
    """Completeness, validity and duplicate rate of the accounts in the caller's scope, in
    total and per ``group_by`` (subsidiary, department or rep); ``subsidiary``,
    ``department`` and ``owner`` narrow inside the scope (drill-down)."""
    user = request.auth
    filters = {"subsidiary": subsidiary, "department": department, "owner": owner}
    total, rows = selectors.summary(user, group_by, **filters)
    return {
        "group_by": group_by,
        "computed_at": selectors.last_refresh(user),
        "total": total.as_dict(),
        "rows": [r.as_dict() for r in rows],
    }


@router.get("/quality/records/worst", response={200: WorstOut, **ERRORS})
def worst_records(
    request,
    limit: int = 20,
    subsidiary: Id | None = None,
    department: Id | None = None,
    owner: Id | None = None,
):
    """The caller's scoped records, worst first (lowest completeness, then validity), each
    with the fields missing and the fields failing their format rule."""
    page = selectors.worst_page(
        request.auth, limit, subsidiary=subsidiary, department=department, owner=owner
    )
    return {"records": [record_out(s) for s in page]}


@router.get("/quality/trend", response={200: TrendOut, **ERRORS})
def quality_trend(request):
    """Daily completeness, validity and duplicate rate of the caller's scope (90 days)."""
    return {"points": selectors.trend(request.auth)}


@router.get("/quality/tasks", response={200: TaskListOut, **ERRORS})
def my_quality_tasks(request, status: str = "open"):
    """The caller's own quality tasks (``status`` open or done), with the current score."""
    tasks = list(selectors.my_tasks(request.auth, status)[:500])
    scores = selectors.current_scores(tasks)
    return {"tasks": [task_out(t, scores) for t in tasks]}


@router.post("/quality/tasks", response={201: AssignOut, **ERRORS})
def assign_quality_tasks(request, payload: AssignIn):
    """A task for the owner of each of the ``limit`` worst records in the caller's scope that
    are below the bar and have no open task (edit right); each owner is notified."""
    tasks = services.assign_tasks(actor=request.auth, **payload.dict())
    tasks = list(
        QualityTask.objects.filter(pk__in=[t.pk for t in tasks]).select_related("account__company")
    )
    scores = selectors.current_scores(tasks)
    return Status(201, {"created": len(tasks), "tasks": [task_out(t, scores) for t in tasks]})


@router.post("/quality/refresh", response={202: RefreshOut, **ERRORS})
def refresh(request):
    """Recompute every score and today's snapshot now, as a background job (configure
    right); follow it at ``/api/v1/jobs/{job_id}``."""
    from .tasks import start_refresh

    require_action(request.auth, Action.CONFIGURE)
    job = start_refresh(request.auth)
    return Status(202, {"job_id": str(job.pk), "status": job.status})
