"""``GET /api/v1/jobs/{id}``: a background job's progress (its creator, or admins)."""

from __future__ import annotations

from uuid import UUID

from ninja import Router

from xinren.orgs.api import ERRORS

from .schemas import JobOut
from .selectors import job_for

router = Router(tags=["jobs"])


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS})
def get_job(request, job_id: UUID):
    """Status and progress (done of total, percent); poll it while ``status`` is queued or
    running."""
    return job_for(request.auth, job_id)
