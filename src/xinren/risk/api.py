"""Risk API: an account's risk (score, level, explained factors, history) and the list of
assessed accounts, both scoped (outside the scope: 404, as for any customer)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from xinren.core.errors import field_error
from xinren.core.pagination import cursor_page
from xinren.customers.selectors import account_for
from xinren.orgs.api import ERRORS, Cursor, page_size
from xinren.orgs.schemas import Id

from . import rules, selectors
from .schemas import RiskOut, RiskPage

router = Router(tags=["risk"])


def factors_out(factors: list[dict]) -> list[dict]:
    return [{**f, "label": str(rules.factor_label(f))} for f in factors]


def risk_out(account, assessment, history=(), not_assessed=None) -> dict:
    return {
        "account_id": account.pk,
        "company": account.company.name,
        "level": assessment.level if assessment else None,
        "level_label": str(rules.RiskLevel(assessment.level).label) if assessment else _("未评估"),
        "score": assessment.score if assessment else None,
        "computed_at": assessment.computed_at if assessment else None,
        "factors": factors_out(assessment.factors) if assessment else [],
        "not_assessed": [
            str(x)
            for x in (selectors.not_assessed(account) if not_assessed is None else not_assessed)
        ],
        "history": list(history),
    }


@router.get("/risk/accounts/{account_id}", response={200: RiskOut, **ERRORS})
def account_risk(request, account_id: Id):
    """The account's current risk with each factor explained, and its change history."""
    account = account_for(request.auth, account_id)
    return risk_out(account, selectors.assessment_of(account), selectors.history_of(account))


@router.get("/risk/accounts", response={200: RiskPage, **ERRORS})
def list_risk(request, level: str = "high,medium", cursor: Cursor = None, limit: int = page_size()):
    """Assessed accounts in the user's scope at the given levels (comma-separated)."""
    levels = tuple(x for x in level.split(",") if x)
    if not levels or any(x not in rules.RiskLevel.values for x in levels):
        raise field_error("level", _("风险等级只能是 low、medium、high。"), "choice")
    page = cursor_page(selectors.assessments(request.auth, levels), cursor=cursor, limit=limit)
    known = selectors.registry_known([a.account.company.uscc for a in page.items])
    return {
        "items": [
            risk_out(
                a.account,
                a,
                not_assessed=[] if a.account.company.uscc in known else [rules.NO_REGISTRY_DATA],
            )
            for a in page.items
        ],
        "next_cursor": page.next_cursor,
    }
