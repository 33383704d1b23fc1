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

The certificate (``xinren.kyc.certification.current_certificate``) follows too: the stricter
of the level's policy and the certificate's conditions applies. A certificate requiring
prepayment refuses credit like the high level (``cert_prepayment_only``); its credit days and
credit limit cap the level's (``cert_credit_days``, ``cert_credit_limit``: the rule named is
the one that binds, the level's when both are equal). An expired certificate no longer
applies. With the subsidiary's setting "签约前须通过认证" on (:class:`CreditSetting`, group
default on the group root, else off), a contract, and an order outside a contract, is refused
for an account without a certificate in force or whose latest decision was a rejection
(``account_id``, ``certificate_required``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.orgs.models import OrgUnit
from xinren.sales.figures import receivables
from xinren.sales.models import PaymentTerms
from xinren.sales.money import DEFAULT_CURRENCY

from . import rules
from .models import CreditPolicy, CreditSetting, RiskAssessment


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


def certificate_required(business_unit_id: int | None) -> bool:
    """The subsidiary's "签约前须通过认证" setting, else the group default, else off."""
    root = group_root()
    rows = dict(
        CreditSetting.objects.filter(
            business_unit_id__in=[u for u in (business_unit_id, root and root.pk) if u]
        ).values_list("business_unit_id", "certificate_required")
    )
    if business_unit_id in rows:
        return rows[business_unit_id]
    return bool(root and rows.get(root.pk))


@dataclass(frozen=True)
class Certification:
    """What certification says about an account for new business."""

    certificate: object | None  # kyc Application in force (approved / conditional), or None
    rejected: object | None  # the latest decided application when it was a rejection
    required: bool  # the subsidiary requires a certificate before contracting

    @property
    def in_force(self) -> bool:
        """A certificate counts for "certificate required": issued, not expired, and not
        followed by a rejection."""
        return self.certificate is not None and self.rejected is None

    @property
    def conditions(self) -> bool:
        c = self.certificate
        return bool(
            c and (c.prepayment_required or c.credit_limit is not None or c.credit_days is not None)
        )


def certification_of(account, today=None) -> Certification:
    """The certificate in force (None when expired or never issued), the latest decision
    when it was a rejection, and whether the subsidiary requires a certificate."""
    from xinren.kyc.certification import current_certificate
    from xinren.kyc.models import DECIDED, Application, ApplicationStatus

    certificate = current_certificate(account.pk, today)
    latest = (
        Application.objects.filter(account_id=account.pk, status__in=DECIDED)
        .order_by(F("decided_at").desc(nulls_last=True), "-id")
        .first()
    )
    # A rejection decided after the certificate withdraws its standing for "certificate
    # required", never its conditions: a refused re-certification loosens nothing.
    rejected = latest if latest and latest.status == ApplicationStatus.REJECTED else None
    return Certification(certificate, rejected, certificate_required(account.business_unit_id))


def certificate_label(certificate) -> str:
    """ "认证有条件通过（#12，有效期至 2027-06-30）" / "认证已通过（…）"."""
    status = certificate.status
    text = _("认证有条件通过") if status == "conditional" else _("认证已通过")
    return _("%(status)s（#%(id)s，有效期至 %(until)s）") % {
        "status": text,
        "id": certificate.pk,
        "until": f"{certificate.valid_until:%Y-%m-%d}",
    }


def _require_certificate(account, cert: Certification) -> None:
    """Rule certificate_required: refuse when the subsidiary requires a certificate and the
    account has none in force (never certified, expired, or rejected)."""
    if not cert.required:
        return
    if cert.rejected is not None:
        raise field_error(
            "account_id",
            _("认证申请 #%(id)s 已被拒绝，本公司要求签约前须通过认证。") % {"id": cert.rejected.pk},
            "certificate_required",
        )
    if not cert.in_force:
        raise field_error(
            "account_id",
            _("客户没有有效的认证（未认证或已过期），本公司要求签约前须通过认证。"),
            "certificate_required",
        )


def _limits(policy: Policy, certificate) -> tuple[int | None, str, Decimal | None, str]:
    """The stricter credit days and credit limit of the level's policy and the certificate,
    each with the rule that binds ("risk_…" or "cert_…")."""
    days, days_rule = policy.max_credit_days, "risk_credit_days"
    limit, limit_rule = policy.credit_limit, "risk_credit_limit"
    if certificate is not None:
        if certificate.credit_days is not None and (days is None or certificate.credit_days < days):
            days, days_rule = certificate.credit_days, "cert_credit_days"
        if certificate.credit_limit is not None and (
            limit is None or certificate.credit_limit < limit
        ):
            limit, limit_rule = certificate.credit_limit, "cert_credit_limit"
    return days, days_rule, limit, limit_rule


def check_new_business(*, account, kind: str, values: dict) -> None:
    """Refuse a contract or order the account's credit policy or certificate does not allow
    (field-named ValidationError saying which rule)."""
    contract = values.get("contract")
    cert = certification_of(account)
    if kind == "contract" or contract is None:
        _require_certificate(account, cert)
    certificate = cert.certificate
    level, score = current_level(account)
    policy = policies_for(account.business_unit_id)[level]
    risk_who = _("客户风险等级为“%(level)s”（%(score)s 分）") % {
        "level": rules.RiskLevel(level).label,
        "score": score,
    }
    cert_who = certificate_label(certificate) if certificate is not None else ""
    max_days, days_rule, limit, limit_rule = _limits(policy, certificate)

    def who(rule: str) -> str:
        return cert_who if rule.startswith("cert_") else risk_who

    if kind == "contract":
        if values["payment_terms"] != PaymentTerms.CREDIT:
            return
        if policy.prepayment_only:
            raise field_error(
                "payment_terms",
                _("%(who)s，信用政策只允许预付款，不能签账期合同。") % {"who": risk_who},
                "risk_prepayment_only",
            )
        if certificate is not None and certificate.prepayment_required:
            raise field_error(
                "payment_terms",
                _("%(who)s：须预付款，不能签账期合同。") % {"who": cert_who},
                "cert_prepayment_only",
            )
        days = values.get("credit_days")
        if max_days is not None and days and days > max_days:
            message = (
                _("%(who)s：信用天数最长 %(max)s 天。")
                if days_rule.startswith("cert_")
                else _("%(who)s，账期最长 %(max)s 天。")
            )
            raise field_error(
                "credit_days", message % {"who": who(days_rule), "max": max_days}, days_rule
            )
        if (
            limit is not None
            and values["currency"] == DEFAULT_CURRENCY
            and values["amount"] > limit
        ):
            message = (
                _("%(who)s：账期合同金额不能超过信用额度 %(limit)s 元。")
                if limit_rule.startswith("cert_")
                else _("%(who)s，账期合同金额不能超过信用额度 %(limit)s 元。")
            )
            raise field_error(
                "amount", message % {"who": who(limit_rule), "limit": limit}, limit_rule
            )
        return
    if contract is not None and contract.payment_terms == PaymentTerms.PREPAYMENT:
        return
    if policy.prepayment_only:
        raise field_error(
            "contract_id",
            _("%(who)s，信用政策只允许预付款：订单须关联预付款合同。") % {"who": risk_who},
            "risk_prepayment_only",
        )
    if certificate is not None and certificate.prepayment_required:
        raise field_error(
            "contract_id",
            _("%(who)s：须预付款，订单须关联预付款合同。") % {"who": cert_who},
            "cert_prepayment_only",
        )
    if limit is not None and values["currency"] == DEFAULT_CURRENCY:
        owed = receivables(account.pk, timezone.localdate())
        if owed + values["amount"] > limit:
            message = (
                _("%(who)s：应收余额 %(owed)s 元加本单 %(amount)s 元超过信用额度 %(limit)s 元。")
                if limit_rule.startswith("cert_")
                else _(
                    "%(who)s，应收余额 %(owed)s 元加本单 %(amount)s 元超过信用额度 %(limit)s 元。"
                )
            )
            raise field_error(
                "amount",
                message
                % {
                    "who": who(limit_rule),
                    "owed": owed,
                    "amount": values["amount"],
                    "limit": limit,
                },
                limit_rule,
            )
