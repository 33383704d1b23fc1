"""Risk API: an account's risk (score, level, explained factors, history) and the list of
assessed accounts, both scoped (outside the scope: 404, as for any customer)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from xinren.core.pagination import cursor_page
from xinren.customers.selectors import account_for
from xinren.orgs.api import ERRORS, Cursor, page_size
from xinren.orgs.schemas import Id

from . import rules, selectors
from .policy import certification_of, policies_for
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


def policy_out(account, assessment) -> dict:
    """The credit policy that applies at the account's level (low when not yet scored)."""
    level = assessment.level if assessment else rules.RiskLevel.LOW
    policy = policies_for(account.business_unit_id)[level]
    return {
        "level": policy.level,
        "prepayment_only": policy.prepayment_only,
        "max_credit_days": policy.max_credit_days,
        "credit_limit": policy.credit_limit,
        "source": policy.source,
    }


def certification_out(account) -> dict:
    cert = certification_of(account)
    c = cert.certificate
    return {
        "certificate": {
            "application_id": c.pk,
            "status": c.status,
            "valid_until": c.valid_until,
            "prepayment_required": c.prepayment_required,
            "credit_days": c.credit_days,
            "credit_limit": c.credit_limit,
        }
        if c
        else None,
        "rejected_application_id": cert.rejected.pk if cert.rejected else None,
        "required": cert.required,
        "in_force": cert.in_force,
    }


@router.get("/risk/accounts/{account_id}", response={200: RiskOut, **ERRORS})
def account_risk(request, account_id: Id):
    """The account's current risk with each factor explained, its change history, the credit
    policy of its level and what its certification adds (the stricter of the two applies
    when contracts and orders are created)."""
    account = account_for(request.auth, account_id)
    assessment = selectors.assessment_of(account)
    return {
        **risk_out(account, assessment, selectors.history_of(account)),
        "policy": policy_out(account, assessment),
        "certification": certification_out(account),
    }


@router.get("/risk/accounts", response={200: RiskPage, **ERRORS})
def list_risk(request, level: str = "high,medium", cursor: Cursor = None, limit: int = page_size()):
    """Assessed accounts in the user's scope at the given levels (comma-separated)."""
    levels = selectors.levels_param(level)
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
