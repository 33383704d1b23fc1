"""``GET /api/v1/exports/{list}?format=csv|xlsx&<the list's filters>``: the list the caller
sees, as a file. Scoped like the page, 403 without the export right, 422 naming the field and
the rule for an unknown list, format or a bad filter. Always answered directly (an API client
waits for its file; the xlsx is written to a temporary file first, CSV streams)."""

from __future__ import annotations

from ninja import Router

from xinren.orgs.schemas import ErrorOut

from . import exporting
from .export_views import CSV_TYPE, XLSX_TYPE, file_response

router = Router(tags=["exports"])


def respond(request, prepared: exporting.Prepared, via: str = "api"):
    return file_response(prepared, via)


@router.get(
    "/exports/{list_name}",
    response={401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "parameters": [
            {
                "in": "query",
                "name": "format",
                "schema": {"type": "string", "enum": ["csv", "xlsx"], "default": "csv"},
            }
        ],
        "responses": {
            200: {
                "description": "CSV (UTF-8 with BOM) or xlsx",
                "content": {
                    CSV_TYPE.split(";")[0]: {"schema": {"type": "string"}},
                    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
    },
)
def export_list(request, list_name: str):
    """Lists: customers, contracts, orders, milestones, receipts, interactions. Filters are the
    list page's query parameters (customers: q, region, industry, status, account_type,
    owner_id, business_unit_id; sales lists: account_id, date_from, date_to, contracts also
    status; interactions: account_id, company_id, kind, date_from, date_to, open)."""
    data = request.GET
    prepared = exporting.prepare(request.auth, list_name, data.get("format"), data)
    return respond(request, prepared)
