"""Scoped export of the customer list (CSV). Masked fields stay masked; cells that a
spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xinren.core.tables import FORMULA_PREFIXES, safe_cell  # noqa: E402,F401 - one rule
from xinren.orgs.access import has_action
from xinren.orgs.models import Action, User
from xinren.standards.codes import industry_label, region_label

from .models import Company
from .presenters import masked
from .selectors import with_visible_accounts


def header() -> list[str]:
    return [
        _("客户名称"),
        _("统一社会信用代码"),
        _("主体类型"),
        _("法定代表人"),
        _("所在地区"),
        _("所属行业"),
        _("企业规模"),
        _("公司电话"),
        _("档案编号"),
        _("归属人"),
        _("生命周期阶段"),
    ]


def require_export(user: User) -> None:
    if not has_action(user, Action.EXPORT):
        raise PermissionDenied(_("您的角色没有“导出”权限。"))


def rows(user: User, companies: QuerySet[Company]) -> Iterator[list[str]]:
    """One row per company with the accounts the user may see (archive numbers joined).
    Checks the export right now, before the first row is produced."""
    require_export(user)
    return _rows(user, companies)


def _rows(user: User, companies: QuerySet[Company]) -> Iterator[list[str]]:
    for company in with_visible_accounts(user, companies).iterator(chunk_size=2000):
        accounts = company.visible_accounts
        yield [
            safe_cell(v)
            for v in (
                company.name,
                company.uscc or "",
                company.get_entity_type_display(),
                company.legal_rep,
                region_label(company.region_code) if company.region_code else "",
                industry_label(company.industry_code) if company.industry_code else "",
                company.get_size_band_display(),
                masked(user, company, "phone"),
                " ".join(a.archive_no for a in accounts),
                " ".join(str(a.owner) for a in accounts),
                " ".join(a.get_status_display() for a in accounts),
            )
        ]


def csv_stream(user: User, companies: QuerySet[Company]) -> Iterator[str]:
    """CSV text in chunks, UTF-8 with BOM so Excel opens Chinese correctly. Raises
    PermissionDenied at call time (not on first iteration) when the user may not export."""
    return _csv_chunks(rows(user, companies))


def _csv_chunks(data: Iterator[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for i, row in enumerate(data):
        writer.writerow(row)
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
