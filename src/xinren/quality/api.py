"""REST endpoints of the duplicate check and the customer import; the rules live in
:mod:`.selectors` and :mod:`.imports`."""

from __future__ import annotations

import json

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from xinren.core.errors import field_error
from xinren.jobs.schemas import JobOut
from xinren.jobs.services import submit
from xinren.orgs.access import require_action
from xinren.orgs.api import ERRORS, Status
from xinren.orgs.models import Action

from . import imports as imports_module
from . import selectors, services
from .schemas import DuplicatesOut, ImportCheckIn, ImportCheckOut, ImportStartIn

router = Router(tags=["quality"])


@router.get("/companies/duplicates", response={200: DuplicatesOut, **ERRORS})
def company_duplicates(
    request,
    name: str = "",
    uscc: str = "",
    phone: str = "",
    region_code: str = "",
    limit: int = 5,
):
    """Companies of the golden master a new customer may already be, best first, each with
    a score (0–100) and reasons. ``exact`` (same USCC, score 100): it cannot be created
    again — open an account on it instead. Out-of-scope companies: name and USCC only."""
    found = selectors.duplicate_candidates(
        request.auth, name=name, uscc=uscc, phone=phone, region_code=region_code, limit=limit
    )
    return {
        "candidates": [c.__dict__ | {"reasons": [r.__dict__ for r in c.reasons]} for c in found]
    }


# --- customer import --------------------------------------------------------------------------
def _mapping(text: str) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise field_error("mapping", _('列映射应为 JSON 对象：{"表头": "字段"}。'), "json")
    return {str(k): v for k, v in value.items()}


@router.post("/customers/import/check", response={200: ImportCheckOut, **ERRORS})
def import_check(request, file: File[UploadedFile], data: Form[ImportCheckIn]):
    """Upload a customer file (xlsx, xls or CSV) and check it: a dry run with the per-row
    errors, nothing stored. A file that cannot be imported at all is a 422 naming ``file``
    (or ``mapping``/``template``) and the rule; start the import with the returned token."""
    user = request.auth
    content = file.read(imports_module.MAX_UPLOAD + 1)
    if len(content) > imports_module.MAX_UPLOAD:
        raise field_error("file", _("文件过大（上限 20 MB）。"), "file_size")
    mapping = _mapping(data.mapping)
    try:
        result = imports_module.run_import(
            actor=user, content=content, filename=file.name or "", mode=data.mode,
            on_match=data.on_match, mapping=mapping, template=data.template, dry_run=True,
        )  # fmt: skip
    except imports_module.ImportFileError as exc:
        raise field_error("file", str(exc), "file") from None
    token = services.stash_upload(actor=user, content=content)
    return {
        **result.summary(),
        "token": token,
        "header": result.header,
        "mapping": result.mapping,
        "errors": [e.__dict__ for e in result.errors[:1000]],
    }


@router.post("/customers/import/start", response={202: JobOut, **ERRORS})
def import_start(request, payload: ImportStartIn):
    """Import a checked file (its ``token``) as a background job; follow it at
    ``/api/v1/jobs/{id}`` (``result`` holds the counts and the row errors when done)."""
    user = request.auth
    require_action(user, Action.CREATE)
    path = services.stashed_path(actor=user, token=payload.token)
    if path is None:
        raise field_error("token", _("上传的文件已过期或不存在，请重新上传检查。"), "not_found")
    job = submit(
        "customer_import", user, "xinren.quality.tasks.import_customers",
        actor_id=user.pk, path=str(path), filename=path.name, mode=payload.mode,
        on_match=payload.on_match, mapping=payload.mapping, language=get_language() or "zh-hans",
    )  # fmt: skip
    return Status(202, job)
