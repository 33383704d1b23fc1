"""The daily re-scoring: history only on change, alerts only on level change, to the owner
and the risk officers who see the account."""

from __future__ import annotations

import pytest

from tests import factories
from xinren.notifications.models import Notification
from xinren.risk.models import RiskAssessment, RiskChange
from xinren.risk.scoring import rescore
from xinren.risk.tasks import rescore as rescore_job

from .conftest import add_document, all_documents, list_hit

pytestmark = pytest.mark.django_db


def test_history_only_on_change(account):
    all_documents(account)
    rescore()
    assessment = RiskAssessment.objects.get(account=account)
    assert (assessment.score, assessment.level) == (0, "low")
    assert not RiskChange.objects.exists()  # never scored counts as low/0: no change
    rescore()
    assert not RiskChange.objects.exists()
    add_document(account, "industry_qualification", on_account=True)  # a second, still valid
    rescore()
    assert not RiskChange.objects.exists()
    hit = list_hit(account, "new")
    rescore()
    change = RiskChange.objects.get()
    assert (change.old_level, change.old_score, change.new_level, change.new_score) == (
        "low",
        0,
        "medium",
        30,
    )
    assert [f["code"] for f in change.factors] == ["list_hit_new"]
    rescore()
    assert RiskChange.objects.count() == 1
    hit.status = "dismissed"
    hit.save()
    rescore()
    assert RiskChange.objects.count() == 2
    assert RiskAssessment.objects.get(account=account).level == "low"


def test_alerts_only_on_level_change(account, rep, officer, org):
    other_officer = factories.make_user(org.sub_b, "risk_officer", username="officer_b")
    all_documents(account)
    rescore()
    assert not Notification.objects.exists()
    # A score change within the same level (as after a release changed a point value: the
    # assessment was made under other rules): history, no alert.
    RiskAssessment.objects.filter(account=account).update(score=5, rules_version="older")
    rescore()
    assert RiskChange.objects.count() == 1
    assert not Notification.objects.exists()
    list_hit(account, "confirmed")
    result = rescore()
    assert result.level_changes == 1
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"rep", "officer"}  # not the other subsidiary's officer
    assert other_officer.pk not in Notification.objects.values_list("recipient_id", flat=True)
    n = Notification.objects.get(recipient=rep)
    assert (n.kind, n.account_id, n.url) == (
        "risk_level",
        account.pk,
        f"/risk/accounts/{account.pk}/",
    )
    assert "风险等级由低变为高（60 分）" in n.title
    rescore()
    assert Notification.objects.count() == 2


def test_new_account_scored_medium_alerts(account, officer):
    list_hit(account, "new")  # four documents missing (20) + open hit (30) = 50: medium
    rescore()
    change = RiskChange.objects.get()
    assert (change.old_level, change.new_level, change.new_score) == ("", "medium", 50)
    assert Notification.objects.filter(recipient=officer).count() == 1


def test_batches_cover_every_account(rep):
    accounts = [factories.make_customer(rep) for _ in range(5)]
    result = rescore(batch=2)
    assert result.scored == 5
    assert set(RiskAssessment.objects.values_list("account_id", flat=True)) == {
        a.pk for a in accounts
    }


def test_job_reports_progress_and_summary(account):
    seen = []
    out = rescore_job(on_progress=lambda done, total, message="": seen.append((done, total)))
    assert seen[-1] == (1, 1)
    assert out["scored"] == 1
    assert "评估 1 个账户" in out["message"]
