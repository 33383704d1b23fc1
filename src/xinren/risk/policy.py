"""The credit policy per risk level, and the one check sales calls (through
``xinren.sales.credit``) when a contract or an order is created.

Policy lookup: the account's subsidiary's row for the level, else the group default (the row
on the group root), else :data:`rules.DEFAULT_POLICY`. Rules enforced:

- high (prepayment only): a credit contract is refused (``payment_terms``), and so is an order
  not placed under a prepayment contract (``contract_id``);
- a credit contract's days may not exceed the level's longest credit days (``credit_days``);
- a credit contract's amount, and an order's amount plus what the account owes now
  (receivables), may not exceed the level's credit limit (``amount``). The limit is in CNY and
  applies to CNY business (sums of different currencies would be meaningless).

The level is the stored assessment's (what the panel shows); an account the daily run has
not scored yet counts as low until it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.orgs.models import OrgUnit
from xinren.sales.figures import receivables
from xinren.sales.models import PaymentTerms
from xinren.sales.money import DEFAULT_CURRENCY

from . import rules
from .models import CreditPolicy, RiskAssessment


@dataclass(frozen=True)
class Policy:
    level: str
    prepayment_only: bool
    max_credit_days: int | None
    credit_limit: Decimal | None
    source: str  # "subsidiary", "group" or "default"


def group_root() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.GROUP).first()


def policies_for(business_unit_id: int | None) -> dict[str, Policy]:
    """The policy of every level for one subsidiary (group default where it has none)."""
    root = group_root()
    rows = CreditPolicy.objects.filter(
        business_unit_id__in=[u for u in (business_unit_id, root and root.pk) if u]
    )
    mine = {r.level: r for r in rows if r.business_unit_id == business_unit_id}
    group = {r.level: r for r in rows if root and r.business_unit_id == root.pk}
    out = {}
    for level in rules.RiskLevel.values:
        row, source = mine.get(level), "subsidiary"
        if business_unit_id == (root and root.pk):
            source = "group"
        if row is None:
            row, source = group.get(level), "group"
        if row is None:
            prepay, days, limit = rules.DEFAULT_POLICY[level]
            out[level] = Policy(level, prepay, days, limit, "default")
        else:
            out[level] = Policy(
                level, row.prepayment_only, row.max_credit_days, row.credit_limit, source
            )
    return out


def current_level(account) -> tuple[str, int]:
    """The stored level (the one the panel shows and the owner was alerted about); an account
    not assessed yet (created since the last daily run) is treated as low until then."""
    stored = RiskAssessment.objects.filter(account_id=account.pk).values_list("level", "score")
    for level, score in stored:
        return level, score
    return rules.RiskLevel.LOW, 0


def check_new_business(*, account, kind: str, values: dict) -> None:
    """Refuse a contract or order the account's credit policy does not allow (field-named
    ValidationError saying which rule)."""
    level, score = current_level(account)
    policy = policies_for(account.business_unit_id)[level]
    who = _("客户风险等级为“%(level)s”（%(score)s 分）") % {
        "level": rules.RiskLevel(level).label,
        "score": score,
    }
    if kind == "contract":
        if values["payment_terms"] != PaymentTerms.CREDIT:
            return
        if policy.prepayment_only:
            raise field_error(
                "payment_terms",
                _("%(who)s，信用政策只允许预付款，不能签账期合同。") % {"who": who},
                "risk_prepayment_only",
            )
        days = values.get("credit_days")
        if policy.max_credit_days is not None and days and days > policy.max_credit_days:
            raise field_error(
                "credit_days",
                _("%(who)s，账期最长 %(max)s 天。") % {"who": who, "max": policy.max_credit_days},
                "risk_credit_days",
            )
        if (
            policy.credit_limit is not None
            and values["currency"] == DEFAULT_CURRENCY
            and values["amount"] > policy.credit_limit
        ):
            raise field_error(
                "amount",
                _("%(who)s，账期合同金额不能超过信用额度 %(limit)s 元。")
                % {"who": who, "limit": policy.credit_limit},
                "risk_credit_limit",
            )
        return
    contract = values.get("contract")
    if contract is not None and contract.payment_terms == PaymentTerms.PREPAYMENT:
        return
    if policy.prepayment_only:
        raise field_error(
            "contract_id",
            _("%(who)s，信用政策只允许预付款：订单须关联预付款合同。") % {"who": who},
            "risk_prepayment_only",
        )
    if policy.credit_limit is not None and values["currency"] == DEFAULT_CURRENCY:
        owed = receivables(account.pk, timezone.localdate())
        if owed + values["amount"] > policy.credit_limit:
            raise field_error(
                "amount",
                _("%(who)s，应收余额 %(owed)s 元加本单 %(amount)s 元超过信用额度 %(limit)s 元。")
                % {
                    "who": who,
                    "owed": owed,
                    "amount": values["amount"],
                    "limit": policy.credit_limit,
                },
                "risk_credit_limit",
            )
