"""The progress partial pages poll with htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import JobRun
from .selectors import job_for


@login_required
def job_progress(request, pk):
    try:
        job = job_for(request.user, pk)
    except (JobRun.DoesNotExist, ValueError):
        raise Http404(_("任务不存在。")) from None
    return render(request, "xinren/jobs/_progress.html", {"job": job})
