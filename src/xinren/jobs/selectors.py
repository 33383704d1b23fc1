"""Who may watch a job: its creator, and configurers who manage the creator's unit."""

from __future__ import annotations

from django.db.models import Q

from xinren.orgs.access import manageable_units
from xinren.orgs.models import User

from .models import JobRun
from .services import with_live_progress


def job_for(user: User, job_id) -> JobRun:
    """One job the user may see, or ``JobRun.DoesNotExist``."""
    if not user.is_authenticated or not user.is_active:
        raise JobRun.DoesNotExist
    if user.is_superuser:
        return with_live_progress(JobRun.objects.get(pk=job_id))
    allowed = Q(created_by=user) | Q(created_by__org_unit__in=manageable_units(user))
    return with_live_progress(JobRun.objects.filter(allowed).get(pk=job_id))
