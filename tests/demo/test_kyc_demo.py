"""``xinren demo`` loads certification and risk demo data: applications in every state, an
expired and an expiring certificate, watch lists with hits (by USCC and by name only), a
registry snapshot with 注销/吊销 and lawsuits, 签约前须通过认证 in one subsidiary, and
customers whose risk rose during the demo history."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinren.demo import kyc as demo_kyc
from xinren.kyc.models import (
    Application,
    ApplicationStep,
    ListHit,
    RegistryRecord,
    RegistrySnapshot,
    WatchList,
)
from xinren.orgs.models import OrgUnit
from xinren.risk.models import RiskAssessment, RiskChange
from xinren.risk.policy import certificate_required, certification_of

pytestmark = pytest.mark.django_db
RANK = {"low": 0, "medium": 1, "high": 2}


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run_demo("--companies", "80")


def test_applications_in_every_state_through_the_rules(demo):
    assert "Certification:" in demo
    today = timezone.localdate()
    states = set(Application.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "in_review", "approved", "conditional", "rejected"} <= states
    for app in Application.objects.all():
        steps = list(app.steps.values_list("to_status", flat=True))
        assert steps[0] == "draft" and steps[-1] == app.status  # every step recorded
        if app.is_decided:
            # four eyes: decided by someone who neither prepared nor submitted it
            assert app.decided_by_id not in (app.prepared_by_id, app.submitted_by_id)
            assert app.decided_by.role.code == "risk_officer"
    approved = Application.objects.filter(status="approved")
    assert any(a.valid_until < today for a in approved), "an expired certificate"
    assert any(today <= a.valid_until <= today + dt.timedelta(days=30) for a in approved), (
        "a certificate expiring within 30 days"
    )
    for app in approved.filter(valid_until__gt=today + dt.timedelta(days=30)):
        assert set(app.checks.values_list("result", flat=True)) == {"pass"}
        assert app.account.company.documents.count() == 4  # the 三证一照
    conditional = Application.objects.filter(status="conditional").first()
    assert conditional.reason and (
        conditional.prepayment_required or conditional.credit_limit is not None
    )
    # The expired certificate no longer applies; the expiring one still does.
    expired = approved.filter(valid_until__lt=today).first()
    assert certification_of(expired.account).certificate is None
    assert ApplicationStep.objects.filter(
        application=expired, at__lt=timezone.now() - dt.timedelta(days=300)
    ).exists()


def test_lists_with_hits_by_uscc_and_by_name(demo):
    kinds = set(WatchList.objects.values_list("kind", flat=True))
    assert {"dishonest", "abnormal_operation"} <= kinds
    for watch in WatchList.objects.all():
        assert watch.entry_count > 0 and watch.imported_at
    hits = ListHit.objects.filter(closed_at__isnull=True).select_related("entry", "company")
    by = {h.matched_by for h in hits}
    assert by == {"uscc", "name"}
    for hit in hits:
        if hit.matched_by == "uscc":
            assert hit.entry.uscc == hit.company.uscc
        else:
            assert not hit.entry.uscc and hit.entry.name == hit.company.name
    # the rejected applicant is the one on the dishonest list
    rejected = Application.objects.get(status="rejected")
    assert hits.filter(company=rejected.account.company, entry__watch_list__kind="dishonest")


def test_registry_snapshot_with_cancelled_revoked_and_lawsuits(demo):
    from xinren.customers.models import Company

    assert RegistrySnapshot.objects.count() == 1
    records = RegistryRecord.objects.all()
    assert records.count() == Company.objects.count() == RegistrySnapshot.objects.get().record_count
    statuses = set(records.values_list("status", flat=True))
    assert "active" in statuses and statuses & {"cancelled", "revoked"}
    assert records.filter(lawsuit_count__gt=0).exists()
    for r in records[:20]:
        company = Company.objects.get(uscc=r.uscc)
        assert r.name == company.name and r.legal_rep and r.shareholders


def test_certificate_required_in_one_subsidiary(demo):
    on = [u.code for u in OrgUnit.objects.filter(kind="subsidiary") if certificate_required(u.pk)]
    assert on == [demo_kyc.REQUIRED_IN]
    assert "certificate required before contracting in XR-SW" in demo


def test_risk_rises_in_the_demo_history(demo):
    today = timezone.now()
    past = RiskChange.objects.filter(changed_at__lt=today - dt.timedelta(days=1))
    assert past.exists()
    rising = set()
    for account_id in set(past.values_list("account_id", flat=True)):
        changes = list(RiskChange.objects.filter(account_id=account_id).order_by("changed_at"))
        levels = [RANK[c.new_level] for c in changes]
        if any(b > a for a, b in zip(levels, levels[1:], strict=False)):
            rising.add(account_id)
        # the history ends where the current assessment stands
        current = RiskAssessment.objects.get(account_id=account_id)
        assert (changes[-1].new_level, changes[-1].new_score) == (current.level, current.score)
        assert all(c.old_level == p.new_level for p, c in zip(changes, changes[1:], strict=False))
    assert rising, "some customer's risk rose during the demo history"


def test_second_run_adds_registry_records_only(demo):
    apps = Application.objects.count()
    out = run_demo("--companies", "5", "--history-years", "1")
    assert "loaded before" in out
    assert Application.objects.count() == apps
    from xinren.customers.models import Company

    assert RegistryRecord.objects.count() == Company.objects.count()
