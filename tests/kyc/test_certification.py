"""Certification services: standards, the status flow, checks, four eyes, the decision and the
expiry reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.customers.models import Document
from xinren.kyc import certification as cert
from xinren.kyc.models import Application, ApplicationStep, CheckCode, CheckResult
from xinren.kyc.services import import_list
from xinren.notifications.models import Notification, NotificationKind

from .conftest import register

DOCS = ["business_licence", "industry_qualification", "legal_rep_id", "premises_proof"]


def add_doc(company, doc_type, expires_in: int | None = 400):
    expires = None if expires_in is None else timezone.localdate() + timedelta(days=expires_in)
    return Document.objects.create(
        company=company, doc_type=doc_type, file=f"documents/{doc_type}.pdf",
        original_name=f"{doc_type}.pdf", content_type="application/pdf", size=10,
        sha256="0" * 64, expires_on=expires,
    )  # fmt: skip


def rule(exc: ValidationError, field: str) -> str:
    return exc.value.error_dict[field][0].code


@pytest.fixture
def people(org):
    return {
        "rep": factories.make_user(org.a_sales, "sales_rep", username="rep"),
        "head": factories.make_user(org.a_sales, "department_head", username="head"),
        "risk": factories.make_user(org.a_sales, "risk_officer", username="risk"),
        "admin": factories.make_user(org.hq, "group_admin", username="gadmin"),
    }


@pytest.fixture
def account(people):
    account = factories.make_customer(people["rep"], name="认证测试有限公司")
    for doc_type in DOCS:
        add_doc(account.company, doc_type)
    register(account.company)  # 工商登记: 存续, no lawsuits
    return account


def in_review(people, account, **kwargs) -> Application:
    app = cert.open_application(
        actor=people["rep"], account_id=account.pk, licence_uscc=account.company.uscc, **kwargs
    )
    cert.submit(actor=people["rep"], application_id=app.pk)
    return cert.start_review(actor=people["risk"], application_id=app.pk)


def two_references(people, app):
    for name in ("张三", "李四"):
        cert.add_reference(
            actor=people["rep"], application_id=app.pk, name=name, contact="13800000000",
            contacted_on=timezone.localdate(), outcome="positive",
        )  # fmt: skip


@pytest.mark.django_db
def test_status_flow_records_each_step_and_history(people, account):
    app = in_review(people, account)
    two_references(people, app)
    app = cert.decide(
        actor=people["risk"], application_id=app.pk, outcome="approved", reason="资料齐全"
    )
    steps = list(ApplicationStep.objects.filter(application=app))
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
    ]
    assert [s.actor for s in steps] == [
        people["rep"],
        people["rep"],
        people["risk"],
        people["risk"],
    ]
    assert app.valid_until == timezone.localdate() + timedelta(days=365)
    logs = ChangeLog.objects.filter(entity="kyc.application", object_id=app.pk)
    assert logs.count() == 4


@pytest.mark.django_db
def test_illegal_transitions_name_the_rule(people, account):
    app = cert.open_application(actor=people["rep"], account_id=account.pk)
    with pytest.raises(ValidationError) as exc:
        cert.start_review(actor=people["risk"], application_id=app.pk)
    assert rule(exc, "status") == "not_submitted"
    assert "草稿" in exc.value.error_dict["status"][0].message
    with pytest.raises(ValidationError) as exc:
        cert.decide(actor=people["risk"], application_id=app.pk, outcome="rejected", reason="x")
    assert rule(exc, "status") == "not_in_review"
    cert.submit(actor=people["rep"], application_id=app.pk)
    with pytest.raises(ValidationError) as exc:
        cert.submit(actor=people["rep"], application_id=app.pk)
    assert rule(exc, "status") == "not_draft"
    with pytest.raises(ValidationError) as exc:
        cert.open_application(actor=people["rep"], account_id=account.pk)
    assert rule(exc, "account") == "open_application"
    app.refresh_from_db()
    assert app.status == "submitted"


@pytest.mark.django_db
def test_four_eyes_and_rights(people, account):
    # the department head prepares and submits, then cannot decide though holding APPROVE
    app = cert.open_application(
        actor=people["head"], account_id=account.pk, licence_uscc=account.company.uscc
    )
    cert.submit(actor=people["head"], application_id=app.pk)
    cert.start_review(actor=people["head"], application_id=app.pk)
    with pytest.raises(ValidationError) as exc:
        cert.decide(actor=people["head"], application_id=app.pk, outcome="rejected", reason="不符")
    assert rule(exc, "decided_by") == "four_eyes"
    with pytest.raises(PermissionDenied):
        cert.decide(actor=people["rep"], application_id=app.pk, outcome="rejected", reason="不符")
    with pytest.raises(PermissionDenied):
        cert.start_review(actor=people["rep"], application_id=app.pk)
    app.refresh_from_db()
    assert app.status == "in_review" and app.decided_by is None
    cert.decide(actor=people["risk"], application_id=app.pk, outcome="rejected", reason="不符")
    app.refresh_from_db()
    assert (app.status, app.decided_by, app.valid_until) == ("rejected", people["risk"], None)


@pytest.mark.django_db
def test_reasons_and_conditions_required(people, account):
    app = in_review(people, account)
    for outcome in ("rejected", "conditional"):
        with pytest.raises(ValidationError) as exc:
            cert.decide(actor=people["risk"], application_id=app.pk, outcome=outcome, reason=" ")
        assert rule(exc, "reason") == "required"
    with pytest.raises(ValidationError) as exc:
        cert.decide(actor=people["risk"], application_id=app.pk, outcome="conditional", reason="r")
    assert rule(exc, "conditions") == "required"
    # references still pending: a plain approval is refused, naming the check
    with pytest.raises(ValidationError) as exc:
        cert.decide(actor=people["risk"], application_id=app.pk, outcome="approved")
    assert rule(exc, "outcome") == "checks_not_passed"
    assert "推荐人核实" in exc.value.error_dict["outcome"][0].message
    app = cert.decide(
        actor=people["risk"], application_id=app.pk, outcome="conditional", reason="推荐人未齐",
        prepayment_required=True, credit_limit="50000.00", credit_days=30,
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == "conditional" and app.prepayment_required
    assert str(app.credit_limit) == "50000.00" and app.credit_days == 30
    assert app.valid_until is not None


@pytest.mark.django_db
def test_checks_results_and_evidence(people, account):
    company = account.company
    Document.objects.filter(company=company, doc_type="premises_proof").delete()
    Document.objects.filter(company=company, doc_type="legal_rep_id").update(
        expires_on=timezone.localdate() + timedelta(days=10)
    )
    app = cert.open_application(actor=people["rep"], account_id=account.pk)
    checks = {c.code: c for c in cert.run_checks(actor=people["rep"], application_id=app.pk)}
    assert set(checks) == set(CheckCode.values)
    assert checks["documents"].result == CheckResult.FAIL
    assert "缺少：经营场所证明" in checks["documents"].evidence
    assert "法定代表人身份证" in checks["documents"].evidence
    assert checks["uscc_match"].result == CheckResult.PENDING
    assert checks["watch_lists"].result == CheckResult.PASS
    assert checks["references"].result == CheckResult.PENDING

    # fix the documents, enter a wrong USCC, put the company on a list
    add_doc(company, "premises_proof")
    add_doc(company, "legal_rep_id", expires_in=None)
    other = factories.valid_uscc()
    cert.set_licence_uscc(actor=people["rep"], application_id=app.pk, licence_uscc=other)
    import_list(
        actor=people["admin"], content=f"企业名称,统一社会信用代码\n{company.name},{company.uscc}\n".encode(),
        filename="l.csv", kind="dishonest", name="失信被执行人名单", rescreen=False,
    )  # fmt: skip
    cert.add_reference(
        actor=people["rep"], application_id=app.pk, name="王五", contact="王五公司",
        contacted_on=timezone.localdate(), outcome="negative", note="曾拖欠货款",
    )  # fmt: skip
    checks = {c.code: c for c in cert.run_checks(actor=people["rep"], application_id=app.pk)}
    assert checks["documents"].result == CheckResult.PASS
    assert checks["uscc_match"].result == CheckResult.FAIL
    assert other in checks["uscc_match"].evidence
    assert checks["watch_lists"].result == CheckResult.FAIL
    assert "失信被执行人名单" in checks["watch_lists"].evidence
    assert checks["references"].result == CheckResult.FAIL
    assert "王五" in checks["references"].evidence

    cert.set_licence_uscc(actor=people["rep"], application_id=app.pk, licence_uscc=company.uscc)
    checks = {c.code: c for c in cert.run_checks(actor=people["rep"], application_id=app.pk)}
    assert checks["uscc_match"].result == CheckResult.PASS


@pytest.mark.django_db
def test_standard_per_subsidiary_and_industry(people, account, org):
    with pytest.raises(PermissionDenied):
        cert.save_standard(
            actor=people["rep"], business_unit_id=None, required_documents=[], required_checks=[]
        )
    with pytest.raises(ValidationError) as exc:
        cert.save_standard(
            actor=people["admin"], business_unit_id=org.a_sales.pk,
            required_documents=["passport"], required_checks=["documents"], validity_days=0,
        )  # fmt: skip
    assert set(exc.value.error_dict) == {"business_unit", "required_documents", "validity_days"}
    assert cert.standard_for(account).required_documents == DOCS
    cert.save_standard(
        actor=people["admin"], business_unit_id=None, required_documents=["business_licence"],
        required_checks=["documents"], validity_days=180,
    )  # fmt: skip
    cert.save_standard(
        actor=people["admin"], business_unit_id=account.business_unit_id,
        industry_code=account.company.industry_code or "",
        required_documents=["business_licence", "legal_rep_id"],
        required_checks=["documents", "uscc_match"], validity_days=90,
    )  # fmt: skip
    standard = cert.standard_for(account)
    assert standard.required_documents == ["business_licence", "legal_rep_id"]
    app = in_review(people, account)
    assert {c.code for c in app.checks.all()} == {"documents", "uscc_match"}
    app = cert.decide(actor=people["risk"], application_id=app.pk, outcome="approved")
    assert app.valid_until == timezone.localdate() + timedelta(days=90)


@pytest.mark.django_db
def test_expiry_reminder_once_per_certificate(people, account):
    app = in_review(people, account)
    two_references(people, app)
    cert.decide(actor=people["risk"], application_id=app.pk, outcome="approved")
    app.refresh_from_db()
    assert cert.remind_expiring() == 0  # a year away
    later = app.valid_until - timedelta(days=20)
    assert cert.remind_expiring(today=later) == 1
    assert cert.remind_expiring(today=later + timedelta(days=1)) == 0
    notes = Notification.objects.filter(kind=NotificationKind.CERT_EXPIRING)
    assert [(n.recipient, n.account_id) for n in notes] == [(people["rep"], account.pk)]
    assert account.company.name in notes[0].title


@pytest.mark.django_db
def test_reminder_task_is_scheduled_daily():
    from huey.contrib.djhuey import HUEY

    from xinren.kyc import tasks

    names = {type(t).__name__ for t in HUEY.read_periodic(timezone.datetime(2026, 1, 1, 7, 10))}
    assert "daily_certificate_reminders" in names
    assert tasks.daily_certificate_reminders.call_local() == 0  # nothing certified yet


@pytest.mark.django_db
def test_current_certificate(people, account):
    assert cert.current_certificate(account.pk) is None
    app = in_review(people, account)
    cert.decide(
        actor=people["risk"], application_id=app.pk, outcome="conditional", reason="先款后货",
        prepayment_required=True,
    )  # fmt: skip
    current = cert.current_certificate(account.pk)
    assert current.pk == app.pk and current.prepayment_required
    assert (
        cert.current_certificate(account.pk, today=current.valid_until + timedelta(days=1)) is None
    )
