"""The customer list's export: its columns (masked fields through the page's presenter), its
filters (the page's), and its rows (the page's scoped selector). The writers, the right, the
audit and the background job are generic: :mod:`xinren.core.exports`,
:mod:`xinren.quality.exporting`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.core.errors import field_error
from xinren.core.exports import (
    Column,
    ExportList,
    choice_labels,
    choice_param,
    csv_chunks,
    id_param,
    safe_cell,
    text_rows,
)
from xinren.orgs.access import has_action
from xinren.orgs.models import Action, User
from xinren.standards.codes import industry_label, region_label

from .filters import CompanyFilters, filter_companies
from .models import AccountType, Company, Contact, DecisionRole, EntityType, Lifecycle, SizeBand
from .presenters import masked
from .selectors import company_for, visible_accounts, visible_companies, visible_contacts

__all__ = ["CONTACTS", "CUSTOMERS", "csv_stream", "require_export", "rows", "safe_cell"]


def require_export(user: User) -> None:
    if not has_action(user, Action.EXPORT):
        raise PermissionDenied(_("您的角色没有“导出”权限。"))


def _accounts(company: Company) -> list:
    return getattr(company, "visible_accounts", [])


def columns(user: User) -> list[Column]:
    entity, size, stage = (
        choice_labels(EntityType),
        choice_labels(SizeBand),
        choice_labels(Lifecycle),
    )
    return [
        Column(gettext_lazy("客户名称"), lambda c: c.name),
        Column(gettext_lazy("统一社会信用代码"), lambda c: c.uscc),
        Column(gettext_lazy("主体类型"), lambda c: entity(c.entity_type)),
        Column(gettext_lazy("法定代表人"), lambda c: c.legal_rep),
        Column(gettext_lazy("法定代表人证件号"), lambda c: masked(user, c, "legal_rep_id_number")),
        Column(
            gettext_lazy("所在地区"), lambda c: region_label(c.region_code) if c.region_code else ""
        ),
        Column(
            gettext_lazy("所属行业"),
            lambda c: industry_label(c.industry_code) if c.industry_code else "",
        ),
        Column(gettext_lazy("企业规模"), lambda c: size(c.size_band)),
        Column(gettext_lazy("公司电话"), lambda c: masked(user, c, "phone")),
        Column(gettext_lazy("档案编号"), lambda c: " ".join(a.archive_no for a in _accounts(c))),
        Column(gettext_lazy("归属人"), lambda c: " ".join(str(a.owner) for a in _accounts(c))),
        Column(
            gettext_lazy("生命周期阶段"),
            lambda c: " ".join(stage(a.status) for a in _accounts(c)),
        ),
    ]


def parse(user: User, data: Mapping[str, str]) -> dict:
    """The customer list page's filters (``q``, ``region``, ``industry``, ``status``,
    ``account_type``, ``owner_id``, ``business_unit_id``, ``mine``), each checked."""
    owner_id = id_param(data, "owner_id")
    if (data.get("mine") or "").strip() in ("1", "on", "true"):
        owner_id = user.pk
    filters = CompanyFilters(
        q=(data.get("q") or "").strip(),
        region=(data.get("region") or "").strip(),
        industry=(data.get("industry") or "").strip(),
        status=choice_param(data, "status", Lifecycle.values),
        account_type=choice_param(data, "account_type", AccountType.values),
        owner_id=owner_id,
        business_unit_id=id_param(data, "business_unit_id"),
    )
    return {"filters": filters}


def with_export_accounts(user: User, companies: QuerySet[Company]) -> QuerySet[Company]:
    """The companies with the accounts the user may see (the page's ``visible_accounts``),
    loading only what the columns show: a long export spends its time building models."""
    accounts = (
        visible_accounts(user)
        .select_related("owner")
        .only("company_id", "archive_no", "status", "owner__full_name", "owner__username")
        .order_by("id")
    )
    return companies.prefetch_related(
        Prefetch("accounts", queryset=accounts, to_attr="visible_accounts")
    )


SHOWN = (
    "name", "uscc", "entity_type", "legal_rep", "legal_rep_id_number", "region_code",
    "industry_code", "size_band", "phone",
)  # fmt: skip


def queryset(user: User, params: dict) -> QuerySet[Company]:
    companies = filter_companies(user, params["filters"]).order_by("-id").only(*SHOWN)
    return with_export_accounts(user, companies)


CUSTOMERS = ExportList(
    name="customers",
    label=gettext_lazy("客户"),
    columns=columns,
    parse=parse,
    rows=queryset,
)


# --- contacts (the customer page's 联系人; all contacts of the visible customers without
# company_id) -----------------------------------------------------------------------------------
def contact_columns(user: User) -> list[Column]:
    role = choice_labels(DecisionRole)
    return [
        Column(gettext_lazy("客户名称"), lambda c: c.company.name),
        Column(gettext_lazy("姓名"), lambda c: c.name),
        Column(gettext_lazy("职务"), lambda c: c.title),
        Column(gettext_lazy("部门"), lambda c: c.department),
        Column(gettext_lazy("决策链角色"), lambda c: role(c.decision_role)),
        Column(gettext_lazy("工作电话"), lambda c: masked(user, c, "work_phone")),
        Column(gettext_lazy("工作邮箱"), lambda c: c.work_email),
        Column(gettext_lazy("主要联系人"), lambda c: _("是") if c.is_primary else ""),
        Column(gettext_lazy("备注"), lambda c: c.notes),
    ]


def contact_filters(user: User, data: Mapping[str, str]) -> dict:
    company_id = id_param(data, "company_id")
    if company_id is not None:
        try:
            company_for(user, company_id)
        except Company.DoesNotExist:
            raise field_error(
                "company_id", _("客户不存在或不在您的数据范围内。"), "out_of_scope"
            ) from None
    return {"company_id": company_id}


def contact_rows(user: User, params: dict) -> QuerySet[Contact]:
    if params["company_id"] is not None:
        contacts = visible_contacts(user, Company(pk=params["company_id"]))
    else:
        contacts = Contact.objects.filter(company__in=visible_companies(user))
    return contacts.select_related("company").order_by("company_id", "-is_primary", "id")


CONTACTS = ExportList(
    name="contacts",
    label=gettext_lazy("联系人"),
    columns=contact_columns,
    parse=contact_filters,
    rows=contact_rows,
)


def rows(user: User, companies: QuerySet[Company]) -> Iterator[list[str]]:
    """The export's rows (text) of ``companies``, with the accounts the user may see. Checks
    the export right now, before the first row is produced."""
    require_export(user)
    return text_rows(columns(user), with_export_accounts(user, companies).iterator(chunk_size=2000))


def csv_stream(user: User, companies: QuerySet[Company]) -> Iterator[str]:
    """CSV text in chunks, UTF-8 with BOM. Raises PermissionDenied at call time (not on first
    iteration) when the user may not export."""
    require_export(user)
    return csv_chunks(
        columns(user), with_export_accounts(user, companies).iterator(chunk_size=2000)
    )
