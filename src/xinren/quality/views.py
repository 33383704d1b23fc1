"""The "possible duplicates" panel of the New customer form (htmx partial)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from . import selectors


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
