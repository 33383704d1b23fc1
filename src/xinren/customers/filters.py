"""Filters of the customer list, shared by the list page, the API and exports.

Account-level filters (status, type, owner, business unit) match a company when one of the
accounts *the user may see* matches: a filter must never reveal an account out of scope.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinren.orgs.models import User
from xinren.standards.codes import industries

from .models import Company
from .selectors import prefix_q, search_companies, visible_accounts, visible_companies


@dataclass
class CompanyFilters:
    q: str = ""
    region: str = ""  # any GB/T 2260 code: matches that division and everything inside it
    industry: str = ""  # a GB/T 4754 section letter, or a division / class code prefix
    status: str = ""
    account_type: str = ""
    owner_id: int | None = None
    business_unit_id: int | None = None

    @classmethod
    def from_mapping(cls, data) -> CompanyFilters:
        values = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            if f.name.endswith("_id"):
                try:
                    values[f.name] = int(raw)
                except (TypeError, ValueError):
                    values[f.name] = -1  # matches nothing, rather than silently everything
            else:
                values[f.name] = str(raw).strip()
        return cls(**values)


def region_prefix(code: str) -> str:
    """GB/T 2260 codes are hierarchical by digits: 440000 province, 440300 city, 440305
    district. The significant prefix of a code selects the division and its children."""
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        return code
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def filter_companies(
    user: User, filters: CompanyFilters, base: QuerySet[Company] | None = None
) -> QuerySet[Company]:
    companies = visible_companies(user) if base is None else base
    if filters.q:
        companies = search_companies(user, filters.q, base=companies)
    if filters.region:
        companies = companies.filter(prefix_q("region_code", region_prefix(filters.region)))
    if filters.industry:
        code = filters.industry.strip()
        if code.isalpha():  # a section letter: anything under its divisions
            divisions = [c.code for c in industries().values() if c.parent == code.upper()]
            under = Q(pk__in=[])
            for division in divisions:
                under |= prefix_q("industry_code", division)
            companies = companies.filter(under)
        else:
            companies = companies.filter(prefix_q("industry_code", code))
    account_filters = {}
    if filters.status:
        account_filters["status"] = filters.status
    if filters.account_type:
        account_filters["account_type"] = filters.account_type
    if filters.owner_id is not None:
        account_filters["owner_id"] = filters.owner_id
    if filters.business_unit_id is not None:
        account_filters["business_unit_id"] = filters.business_unit_id
    if account_filters:
        matching = visible_accounts(user).filter(company_id=OuterRef("pk"), **account_filters)
        companies = companies.filter(Exists(matching))
    return companies
