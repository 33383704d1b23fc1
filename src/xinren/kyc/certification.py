"""Every write of certification (KYC): standards, applications and their status flow, the
cross-verification checks, references and the decision.

Status flow (one function per transition, each refusing an illegal one with an error on
``status`` naming the rule)::

    draft ──submit──▶ submitted ──start_review──▶ in_review ──decide──▶ approved
                                                                      ├▶ conditional
                                                                      └▶ rejected

Every step is kept in :class:`ApplicationStep` (who, when, note) and in the change history.
The decision needs the approve right and is never taken by the user who prepared or
submitted the application (four eyes); the rule lives here, so no interface can skip it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.audit.models import ChangeLog
from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.customers.models import CustomerAccount, Document, DocumentType
from xinren.customers.selectors import account_for, visible_accounts
from xinren.notifications.models import Notification, NotificationKind
from xinren.notifications.services import channels_for
from xinren.orgs.access import has_action, require_action
from xinren.orgs.models import Action, OrgUnit, User
from xinren.standards.uscc import normalize_uscc

from .models import (
    DECIDED,
    DEFAULT_CHECKS,
    DEFAULT_DOCUMENTS,
    Application,
    ApplicationCheck,
    ApplicationStatus,
    ApplicationStep,
    CertificationStandard,
    CheckCode,
    CheckResult,
    Reference,
    ReferenceOutcome,
)

S = ApplicationStatus
REMIND_DAYS = 30
REFERENCES_NEEDED = 2
AUDITED = [
    "status",
    "licence_uscc",
    "reason",
    "prepayment_required",
    "credit_limit",
    "credit_days",
    "valid_until",
]


# --- standards -------------------------------------------------------------------------------
def default_standard() -> CertificationStandard:
    """The built-in group default (not stored): 三证一照, every check, one year."""
    return CertificationStandard(
        required_documents=list(DEFAULT_DOCUMENTS), required_checks=list(DEFAULT_CHECKS)
    )


def standard_for(account: CustomerAccount) -> CertificationStandard:
    """The most specific standard for the account: its subsidiary's before the group's, a
    longer industry-code prefix before a shorter one (empty = every industry)."""
    industry = account.company.industry_code or ""
    candidates = [
        s
        # (``business_unit_id__in=[x, None]`` would drop the None: the group's never matched)
        for s in CertificationStandard.objects.filter(
            Q(business_unit_id=account.business_unit_id) | Q(business_unit__isnull=True)
        )
        if industry.startswith(s.industry_code)
    ]
    if not candidates:
        return default_standard()
    return max(candidates, key=lambda s: (s.business_unit_id is not None, len(s.industry_code)))


def save_standard(
    *,
    actor: User,
    business_unit_id: int | None,
    industry_code: str = "",
    required_documents: list[str],
    required_checks: list[str],
    expiry_margin_days: int = 30,
    validity_days: int = 365,
) -> CertificationStandard:
    """Create or replace the standard of (subsidiary or group, industry). Configure right."""
    require_action(actor, Action.CONFIGURE)
    industry_code = (industry_code or "").strip().upper()
    errors: dict[str, list[ValidationError]] = {}

    def bad(name: str, message: str, rule: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=rule))

    if (
        business_unit_id is not None
        and not OrgUnit.objects.filter(pk=business_unit_id, kind=OrgUnit.Kind.SUBSIDIARY).exists()
    ):
        bad("business_unit", _("所属公司必须是一家子公司（留空为集团默认）。"), "choice")
    if len(industry_code) > 5 or not industry_code.isalnum() and industry_code:
        bad("industry_code", _("行业代码为 GB/T 4754 代码（最多 5 位字母数字）。"), "format")
    doc_values = [d.value for d in DocumentType if d.value not in ("contract", "other")]
    unknown = [d for d in required_documents if d not in doc_values]
    if unknown:
        bad(
            "required_documents",
            _("未知的证照类型：%(values)s。") % {"values": "、".join(unknown)},
            "choice",
        )
    unknown = [c for c in required_checks if c not in CheckCode.values]
    if unknown:
        bad(
            "required_checks",
            _("未知的核查项：%(values)s。") % {"values": "、".join(unknown)},
            "choice",
        )
    if not 0 <= expiry_margin_days <= 3650:
        bad("expiry_margin_days", _("剩余有效期天数须在 0 到 3650 之间。"), "range")
    if not 1 <= validity_days <= 3650:
        bad("validity_days", _("认证有效期须在 1 到 3650 天之间。"), "range")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        standard = CertificationStandard.objects.filter(
            business_unit_id=business_unit_id, industry_code=industry_code
        ).first()
        before = snapshot(standard) if standard else None
        standard = standard or CertificationStandard(
            business_unit_id=business_unit_id, industry_code=industry_code
        )
        standard.required_documents = [d for d in doc_values if d in required_documents]
        standard.required_checks = [c for c in CheckCode.values if c in required_checks]
        standard.expiry_margin_days = expiry_margin_days
        standard.validity_days = validity_days
        standard.updated_by = actor
        standard.save()
        record_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE if before else ChangeLog.Action.CREATE,
            instance=standard,
            before=before,
            after=snapshot(standard),
        )
    return standard


# --- applications ----------------------------------------------------------------------------
def _locked(actor: User, application_id: int) -> Application:
    """The application, locked, if its account is in the actor's scope (else DoesNotExist)."""
    return (
        Application.objects.select_for_update()
        .filter(account__in=visible_accounts(actor))
        .select_related("account", "account__company")
        .get(pk=application_id)
    )


def _refuse(application: Application, target: str, rule: str, message: str):
    return field_error(
        "status",
        _("不能从“%(from)s”变为“%(to)s”：%(rule)s")
        % {"from": S(application.status).label, "to": S(target).label, "rule": message},
        rule,
    )


def _step(actor: User, application: Application, before: dict, target: str, note: str) -> None:
    from_status = before["status"]
    application.status = target
    application.save()
    ApplicationStep.objects.create(
        application=application, from_status=from_status, to_status=target, actor=actor, note=note
    )
    record_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        instance=application,
        before=before,
        after=snapshot(application, AUDITED),
        company_id=application.account.company_id,
        account_id=application.account_id,
    )


def _check_uscc(value: str) -> str:
    value = normalize_uscc(value or "")
    if value and len(value) != 18:
        raise field_error("licence_uscc", _("统一社会信用代码应为 18 位。"), "length")
    return value


def open_application(
    *, actor: User, account_id: int, licence_uscc: str = "", note: str = ""
) -> Application:
    """Staff open a draft for an account in their scope (create right). One unfinished
    application per account at a time."""
    require_action(actor, Action.CREATE)
    licence_uscc = _check_uscc(licence_uscc)
    with transaction.atomic():
        account = account_for(actor, account_id)
        if Application.objects.filter(account=account).exclude(status__in=DECIDED).exists():
            raise field_error(
                "account", _("该客户账户已有一份未完成的认证申请。"), "open_application"
            )
        application = Application.objects.create(
            account=account, licence_uscc=licence_uscc, prepared_by=actor
        )
        ApplicationStep.objects.create(
            application=application, from_status="", to_status=S.DRAFT, actor=actor, note=note
        )
        record_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            instance=application,
            after=snapshot(application, AUDITED),
            company_id=account.company_id,
            account_id=account.pk,
        )
    return application


def set_licence_uscc(*, actor: User, application_id: int, licence_uscc: str) -> Application:
    """Enter the USCC read from the licence (edit right; before a decision)."""
    require_action(actor, Action.EDIT)
    licence_uscc = _check_uscc(licence_uscc)
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.is_decided:
            raise field_error("licence_uscc", _("已审批的申请不能再修改。"), "decided")
        before = snapshot(application, AUDITED)
        application.licence_uscc = licence_uscc
        application.save(update_fields=["licence_uscc", "updated_at"])
        record_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            instance=application,
            before=before,
            after=snapshot(application, AUDITED),
            company_id=application.account.company_id,
            account_id=application.account_id,
        )
    return application


def submit(*, actor: User, application_id: int, note: str = "") -> Application:
    """draft → submitted (edit right). The checks are run on submission."""
    require_action(actor, Action.EDIT)
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.status != S.DRAFT:
            raise _refuse(application, S.SUBMITTED, "not_draft", _("只有草稿可以提交。"))
        before = snapshot(application, AUDITED)
        application.submitted_by = actor
        _step(actor, application, before, S.SUBMITTED, note.strip())
        _run_checks(actor, application)
    return application


def start_review(*, actor: User, application_id: int, note: str = "") -> Application:
    """submitted → in_review (approve right)."""
    require_action(actor, Action.APPROVE)
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.status != S.SUBMITTED:
            raise _refuse(
                application, S.IN_REVIEW, "not_submitted", _("只有已提交的申请可以开始审核。")
            )
        _step(actor, application, snapshot(application, AUDITED), S.IN_REVIEW, note.strip())
    return application


def return_to_draft(*, actor: User, application_id: int, note: str = "") -> Application:
    """submitted / in_review → draft: sent back to the preparer (approve right, note needed)."""
    require_action(actor, Action.APPROVE)
    note = (note or "").strip()
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.status not in (S.SUBMITTED, S.IN_REVIEW):
            raise _refuse(application, S.DRAFT, "not_pending", _("只有待审核的申请可以退回。"))
        if not note:
            raise field_error("note", _("退回时请写明原因。"), "required")
        _step(actor, application, snapshot(application, AUDITED), S.DRAFT, note)
    return application


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise field_error("credit_limit", _("信用额度须为金额。"), "invalid") from None
    if not result.is_finite() or result < 0 or result >= Decimal("1e12"):
        raise field_error("credit_limit", _("信用额度须在 0 到 1 万亿之间。"), "range")
    return result


def decide(
    *,
    actor: User,
    application_id: int,
    outcome: str,
    reason: str = "",
    prepayment_required: bool = False,
    credit_limit=None,
    credit_days: int | None = None,
) -> Application:
    """in_review → approved / conditional / rejected, by a user holding the approve right who
    neither prepared nor submitted the application. Conditional and rejected need a reason;
    conditional needs at least one condition; approved needs every required check passed.
    Approval (also conditional) issues a certificate valid for the standard's days."""
    require_action(actor, Action.APPROVE)
    reason = (reason or "").strip()
    if outcome not in DECIDED:
        raise field_error(
            "outcome", _("结论只能是：%(values)s。") % {"values": "、".join(DECIDED)}, "choice"
        )
    credit_limit = _decimal(credit_limit)
    if credit_days is not None and not 0 <= credit_days <= 3650:
        raise field_error("credit_days", _("信用天数须在 0 到 3650 之间。"), "range")
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.status != S.IN_REVIEW:
            raise _refuse(application, outcome, "not_in_review", _("只有审核中的申请可以审批。"))
        if actor.pk in (application.prepared_by_id, application.submitted_by_id):
            raise field_error(
                "decided_by",
                _("四眼原则：准备或提交申请的人不能审批该申请。"),
                "four_eyes",
            )
        if outcome in (S.CONDITIONAL, S.REJECTED) and not reason:
            raise field_error("reason", _("有条件通过或拒绝时必须写明理由。"), "required")
        has_condition = prepayment_required or credit_limit is not None or credit_days is not None
        if outcome == S.CONDITIONAL and not has_condition:
            raise field_error(
                "conditions",
                _("有条件通过须至少设定一项条件（预付款、信用额度或信用天数）。"),
                "required",
            )
        if outcome == S.APPROVED:
            required = standard_for(application.account).required_checks
            open_checks = [
                str(CheckCode(c.code).label)
                for c in application.checks.filter(code__in=required)
                if c.result != CheckResult.PASS
            ]
            missing = set(required) - set(application.checks.values_list("code", flat=True))
            open_checks += [str(CheckCode(c).label) for c in sorted(missing)]
            if open_checks:
                raise field_error(
                    "outcome",
                    _("有核查未通过或未完成（%(checks)s），不能直接通过：请选择有条件通过或拒绝。")
                    % {"checks": "、".join(open_checks)},
                    "checks_not_passed",
                )
        before = snapshot(application, AUDITED)
        application.decided_by = actor
        application.decided_at = timezone.now()
        application.reason = reason
        if outcome != S.REJECTED:
            application.prepayment_required = prepayment_required
            application.credit_limit = credit_limit
            application.credit_days = credit_days
            days = standard_for(application.account).validity_days
            application.valid_until = timezone.localdate() + timedelta(days=days)
        _step(actor, application, before, outcome, reason)
    return application


# --- checks ----------------------------------------------------------------------------------
def _documents_check(application: Application, standard: CertificationStandard):
    today = timezone.localdate()
    limit = today + timedelta(days=standard.expiry_margin_days)
    latest: dict[str, Document] = {}
    for doc in Document.objects.filter(
        company_id=application.account.company_id, doc_type__in=standard.required_documents
    ).order_by("doc_type", "-expires_on", "-id"):
        current = latest.get(doc.doc_type)
        # the document valid longest counts (no end date = does not expire)
        if current is None or (current.expires_on is not None and doc.expires_on is None):
            latest[doc.doc_type] = doc
    missing, expiring, fine = [], [], []
    for code in standard.required_documents:
        label = DocumentType(code).label
        doc = latest.get(code)
        if doc is None:
            missing.append(str(label))
        elif doc.expires_on is not None and doc.expires_on < limit:
            expiring.append(f"{label}（{doc.expires_on:%Y-%m-%d}）")
        else:
            fine.append(str(label))
    lines = []
    if missing:
        lines.append(_("缺少：%(docs)s") % {"docs": "、".join(missing)})
    if expiring:
        lines.append(
            _("已过期或 %(days)s 天内到期：%(docs)s")
            % {"days": standard.expiry_margin_days, "docs": "、".join(expiring)}
        )
    if fine:
        lines.append(_("齐全有效：%(docs)s") % {"docs": "、".join(fine)})
    result = CheckResult.FAIL if missing or expiring else CheckResult.PASS
    return result, "；".join(lines)


def _uscc_check(application: Application, standard: CertificationStandard):
    on_record = application.account.company.uscc
    if not application.licence_uscc:
        return CheckResult.PENDING, _("尚未录入执照上的统一社会信用代码。")
    if not on_record:
        return CheckResult.FAIL, _("客户档案没有统一社会信用代码。")
    if normalize_uscc(on_record) == application.licence_uscc:
        return CheckResult.PASS, _("一致：%(uscc)s") % {"uscc": on_record}
    return CheckResult.FAIL, _("不一致：档案 %(record)s，执照 %(licence)s") % {
        "record": on_record,
        "licence": application.licence_uscc,
    }


def _watch_list_check(application: Application, standard: CertificationStandard):
    from .models import HitStatus, ListHit
    from .screening import screen_company

    company = application.account.company
    screen_company(company)
    hits = list(
        ListHit.objects.filter(company=company, closed_at__isnull=True)
        .exclude(status=HitStatus.DISMISSED)
        .select_related("entry", "entry__watch_list")
    )
    if not hits:
        return CheckResult.PASS, _("未命中任何名单。")
    names = [
        f"{h.entry.watch_list.name}：{h.entry.name}（{h.get_matched_by_display()}，"
        f"{h.get_status_display()}）"
        for h in hits
    ]
    return CheckResult.FAIL, _("命中：%(hits)s") % {"hits": "；".join(names)}


def _references_check(application: Application, standard: CertificationStandard):
    refs = list(application.references.all())
    negative = [r.name for r in refs if r.outcome == ReferenceOutcome.NEGATIVE]
    text = "；".join(
        f"{r.name}（{r.contacted_on:%Y-%m-%d}，{r.get_outcome_display()}）" for r in refs
    )
    if negative:
        return CheckResult.FAIL, _("负面评价：%(refs)s") % {"refs": text}
    if len(refs) < REFERENCES_NEEDED:
        return CheckResult.PENDING, _("已联系 %(count)s 位推荐人，需要 %(needed)s 位。%(refs)s") % {
            "count": len(refs),
            "needed": REFERENCES_NEEDED,
            "refs": text,
        }
    return CheckResult.PASS, text


def _registry_facts(application: Application):
    from . import registry

    company = application.account.company
    return registry, company, registry.lookup(company.uscc or "", company.name)


def _not_in_registry(company) -> str:
    return _(
        "工商登记数据中未找到该企业（统一社会信用代码 %(uscc)s，名称 %(name)s）："
        "请导入最新的工商登记数据，或人工核实后再审批。"
    ) % {"uscc": company.uscc or "—", "name": company.name}


def _registry_check(application: Application, standard: CertificationStandard):
    """Pass when the registry knows the company, its status is 存续, and name (normalised),
    USCC and legal representative (when the master has one) agree; fail naming each
    mismatch; pending when the registry has no record (a missing snapshot is not a finding)."""
    registry, company, facts = _registry_facts(application)
    if facts is None:
        return CheckResult.PENDING, _not_in_registry(company)
    problems = registry.mismatches(company, facts)
    if problems:
        return CheckResult.FAIL, _("%(problems)s。%(facts)s") % {
            "problems": "；".join(problems),
            "facts": registry.evidence(facts),
        }
    if company.legal_rep:
        agreed = _("名称、信用代码、法定代表人与登记一致，登记状态存续。")
    else:
        agreed = _("名称、信用代码与登记一致（档案未记录法定代表人），登记状态存续。")
    return CheckResult.PASS, agreed + registry.evidence(facts)


def _lawsuits_check(application: Application, standard: CertificationStandard):
    """Fail at LAWSUITS_FAIL_AT or more lawsuits on the registry record, else pass (naming the
    count); pending without a registry record."""
    registry, company, facts = _registry_facts(application)
    if facts is None:
        return CheckResult.PENDING, _not_in_registry(company)
    text = _("涉诉案件 %(n)s 件（%(limit)s 件及以上不通过）；数据来源：%(source)s（%(date)s）") % {
        "n": facts.lawsuit_count,
        "limit": LAWSUITS_FAIL_AT,
        "source": facts.source or "—",
        "date": facts.as_of or "—",
    }
    if facts.lawsuit_count >= LAWSUITS_FAIL_AT:
        return CheckResult.FAIL, text
    return CheckResult.PASS, text


# Lawsuits on the registry record at which the lawsuits check fails (fewer pass, with the
# count in the evidence for the approver to weigh).
LAWSUITS_FAIL_AT = 3

CHECKS = {
    CheckCode.DOCUMENTS: _documents_check,
    CheckCode.USCC_MATCH: _uscc_check,
    CheckCode.WATCH_LISTS: _watch_list_check,
    CheckCode.REFERENCES: _references_check,
    CheckCode.REGISTRY: _registry_check,
    CheckCode.LAWSUITS: _lawsuits_check,
}


def _run_checks(actor: User, application: Application) -> list[ApplicationCheck]:
    standard = standard_for(application.account)
    now = timezone.now()
    results = []
    for code in standard.required_checks:
        result, evidence = CHECKS[CheckCode(code)](application, standard)
        check, _created = ApplicationCheck.objects.update_or_create(
            application=application,
            code=code,
            defaults={
                "result": result,
                "evidence": evidence,
                "checked_at": now,
                "checked_by": actor,
            },
        )
        results.append(check)
    application.checks.exclude(code__in=standard.required_checks).delete()
    return results


def run_checks(*, actor: User, application_id: int) -> list[ApplicationCheck]:
    """Run (again) every check the standard requires, before the decision. Edit or approve
    right, account in scope."""
    if not (has_action(actor, Action.EDIT) or has_action(actor, Action.APPROVE)):
        require_action(actor, Action.EDIT)
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.is_decided:
            raise field_error("status", _("已审批的申请不再核查。"), "decided")
        return _run_checks(actor, application)


def add_reference(
    *,
    actor: User,
    application_id: int,
    name: str,
    contact: str,
    contacted_on: date,
    outcome: str,
    note: str = "",
) -> Reference:
    """Record a contacted reference and what they said (edit right), then re-run the
    references check."""
    require_action(actor, Action.EDIT)
    name, contact, note = (name or "").strip(), (contact or "").strip(), (note or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    if not name or len(name) > 100:
        errors["name"] = [ValidationError(_("推荐人必填，最多 100 个字。"), code="required")]
    if not contact or len(contact) > 100:
        errors["contact"] = [ValidationError(_("联系方式必填，最多 100 个字。"), code="required")]
    if outcome not in ReferenceOutcome.values:
        errors["outcome"] = [
            ValidationError(_("结果只能是 positive（正面）或 negative（负面）。"), code="choice")
        ]
    if contacted_on is None or contacted_on > timezone.localdate():
        errors["contacted_on"] = [ValidationError(_("联系日期必填且不能晚于今天。"), code="date")]
    if len(note) > 500:
        errors["note"] = [ValidationError(_("记录最多 500 个字。"), code="max_length")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = _locked(actor, application_id)
        if application.is_decided:
            raise field_error("status", _("已审批的申请不能再添加推荐人。"), "decided")
        reference = Reference.objects.create(
            application=application, name=name, contact=contact, contacted_on=contacted_on,
            outcome=outcome, note=note, recorded_by=actor,
        )  # fmt: skip
        record_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            instance=reference,
            after=snapshot(reference),
            company_id=application.account.company_id,
            account_id=application.account_id,
        )
        if CheckCode.REFERENCES in standard_for(application.account).required_checks:
            result, evidence = _references_check(application, standard_for(application.account))
            ApplicationCheck.objects.update_or_create(
                application=application,
                code=CheckCode.REFERENCES,
                defaults={"result": result, "evidence": evidence,
                          "checked_at": timezone.now(), "checked_by": actor},
            )  # fmt: skip
    return reference


def current_certificate(account_id: int, today: date | None = None) -> Application | None:
    """The account's certificate in force (approved or conditional, not expired), newest
    first; None when it has none. Not scoped: for system jobs (risk scoring, credit policy)
    that read the conditions (prepayment, credit limit, credit days)."""
    today = today or timezone.localdate()
    return (
        Application.objects.filter(
            account_id=account_id,
            status__in=[S.APPROVED, S.CONDITIONAL],
            valid_until__gte=today,
        )
        .order_by("-valid_until", "-id")
        .first()
    )


# --- expiry reminders ------------------------------------------------------------------------
def remind_expiring(today: date | None = None, days: int = REMIND_DAYS) -> int:
    """Notify each owner of a certificate (approved or conditional) expiring within ``days``;
    once per certificate and validity window (``reminded_for``). Returns the notifications
    offered."""
    today = today or timezone.localdate()
    due = list(
        Application.objects.filter(
            status__in=[S.APPROVED, S.CONDITIONAL],
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=days),
        )
        .exclude(reminded_for=F("valid_until"))
        .select_related("account", "account__company", "account__owner")
    )
    # a newer certificate of the same account supersedes this one: no reminder
    latest = {}
    for app in Application.objects.filter(
        account_id__in={a.account_id for a in due}, status__in=[S.APPROVED, S.CONDITIONAL]
    ).values("account_id", "valid_until"):
        if latest.get(app["account_id"]) is None or app["valid_until"] > latest[app["account_id"]]:
            latest[app["account_id"]] = app["valid_until"]
    prefs = channels_for({a.account.owner_id for a in due})
    offered = 0
    now = timezone.now()
    for app in due:
        owner = app.account.owner
        if app.valid_until >= latest.get(app.account_id, app.valid_until) and owner.is_active:
            in_app, email, digest = prefs(owner.pk, NotificationKind.CERT_EXPIRING)
            if in_app or email or digest:
                with translation.override(owner.preferred_language or None):
                    title = _("%(customer)s 的认证将于 %(date)s 到期，请安排复审") % {
                        "customer": app.account.company.name,
                        "date": f"{app.valid_until:%Y-%m-%d}",
                    }
                _n, created = Notification.objects.get_or_create(
                    recipient=owner,
                    event_key=f"cert-expiring:{app.pk}:{app.valid_until:%Y%m%d}",
                    defaults={
                        "kind": NotificationKind.CERT_EXPIRING,
                        "company_id": app.account.company_id,
                        "account_id": app.account_id,
                        "title": title[:255],
                        "url": f"/kyc/applications/{app.pk}/",
                        "read_at": None if in_app else now,
                        "wants_email": bool(email and owner.email),
                        "digested_at": None if digest else now,
                    },
                )
                offered += int(created)
        Application.objects.filter(pk=app.pk).update(reminded_for=app.valid_until)
    return offered
