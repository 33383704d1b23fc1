"""The one-statement scoring: crafted accounts (one factor each) scored as expected, the SQL
score agreeing with the explained factors, registry status and lawsuits, the steady state
writing nothing, changes writing history and alerting, subset re-scoring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests import factories
from xinren.customers.models import Document
from xinren.kyc.models import RegistryRecord, RegistrySnapshot
from xinren.notifications.models import Notification
from xinren.risk import rules
from xinren.risk.models import RiskAssessment, RiskChange
from xinren.risk.scoring import rescore, score_account, score_accounts
from xinren.sales.figures import DelayRate, delay_counts, delay_high_risk_sql, payment_facts

from .conftest import add_document, all_documents, list_hit, milestones, today

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


def registry(account, status="active", lawsuits=0, as_of=AS_OF):
    snapshot = RegistrySnapshot.objects.create(
        source="test", as_of=as_of, imported_at=timezone.now()
    )
    record, _ = RegistryRecord.objects.update_or_create(
        uscc=account.company.uscc,
        defaults={
            "name": account.company.name,
            "name_key": "k",
            "status": status,
            "lawsuit_count": lawsuits,
            "snapshot": snapshot,
        },
    )
    return record


def codes(score):
    return [f["code"] for f in score.factors]


def customer(rep, docs=True):
    account = factories.make_customer(rep)
    if docs:
        all_documents(account)
    return account


def test_crafted_accounts_one_factor_each(rep):
    yesterday = today() - dt.timedelta(days=1)
    clean = customer(rep)
    missing = customer(rep, docs=False)
    add_document(missing, "business_licence")
    add_document(missing, "legal_rep_id")
    expired = customer(rep)
    Document.objects.filter(company=expired.company, doc_type="legal_rep_id").delete()
    add_document(expired, "legal_rep_id", yesterday - dt.timedelta(days=30))
    add_document(expired, "legal_rep_id", yesterday)  # the latest expiry is the evidence
    late = customer(rep)
    milestones(rep, late, 1, 2, days_ago=60)  # 1/3 late, paid since? no: still unpaid
    owing = customer(rep)
    milestones(rep, owing, 1, 9, days_ago=3, amount="120000.00")  # 10 %: only overdue (large)
    hit = customer(rep)
    list_hit(hit, "confirmed", "经营异常名录")
    revoked = customer(rep)
    registry(revoked, "revoked")
    sued = customer(rep)
    registry(sued, "active", lawsuits=2)
    much_sued = customer(rep)
    registry(much_sued, "active", lawsuits=3)
    known_clean = customer(rep)
    registry(known_clean, "active")

    got = score_accounts(
        [
            a.pk
            for a in (
                clean,
                missing,
                expired,
                late,
                owing,
                hit,
                revoked,
                sued,
                much_sued,
                known_clean,
            )
        ],
        today(),
    )
    assert got[clean.pk].factors == [] and got[clean.pk].score == 0
    assert got[known_clean.pk].factors == []
    assert [f["evidence"]["doc_type"] for f in got[missing.pk].factors] == [
        "industry_qualification",
        "premises_proof",
    ]
    assert got[missing.pk].score == 2 * rules.DOC_MISSING_POINTS
    assert got[expired.pk].factors == [
        {
            "code": "doc_expired",
            "group": "qualification",
            "points": rules.DOC_EXPIRED_POINTS,
            "evidence": {"doc_type": "legal_rep_id", "expires_on": yesterday.isoformat()},
        }
    ]
    assert codes(got[late.pk]) == ["delay_rate", "overdue"]
    assert got[late.pk].factors[0]["evidence"] == {"late": 1, "due": 3, "rate_percent": "33.3"}
    assert (got[late.pk].score, got[late.pk].level) == (70, "high")
    assert got[owing.pk].factors == [
        {
            "code": "overdue",
            "group": "credit",
            "points": rules.OVERDUE_LARGE_POINTS,
            "evidence": {"amount": "120000.00", "currency": "CNY"},
        }
    ]
    assert codes(got[hit.pk]) == ["list_hit_confirmed"]
    assert got[hit.pk].factors[0]["evidence"]["list"] == "经营异常名录"
    assert got[revoked.pk].factors == [
        {
            "code": "registry_status",
            "group": "compliance",
            "points": rules.REGISTRY_INACTIVE_POINTS,
            "evidence": {"status": "revoked", "as_of": AS_OF.isoformat()},
        }
    ]
    assert got[revoked.pk].level == "high"
    assert got[sued.pk].factors == [
        {
            "code": "lawsuits",
            "group": "litigation",
            "points": rules.LAWSUITS_FEW_POINTS,
            "evidence": {"count": 2, "as_of": AS_OF.isoformat()},
        }
    ]
    assert got[much_sued.pk].score == rules.LAWSUITS_MANY_POINTS
    for s in got.values():  # the score computed in SQL is the sum of the explained points
        assert s.score == min(rules.MAX_SCORE, sum(f["points"] for f in s.factors))
        assert s.level == rules.level_for(s.score)


def test_registry_and_lawsuit_labels_both_languages(account):
    all_documents(account)
    registry(account, "cancelled", lawsuits=4)
    s = score_account(account)
    assert codes(s) == ["registry_status", "lawsuits"]
    assert s.score == rules.REGISTRY_INACTIVE_POINTS + rules.LAWSUITS_MANY_POINTS
    with translation.override("zh-hans"):
        labels = [str(rules.factor_label(f)) for f in s.factors]
    assert labels == [
        "工商登记状态为“注销”（2026-11-01 工商数据）",
        "涉诉案件 4 件（2026-11-01 工商数据）",
    ]
    with translation.override("en"):
        labels = [str(rules.factor_label(f)) for f in s.factors]
        group = str(rules.GROUPS["litigation"])
    # The status word is kyc's RegistryStatus label (translated there).
    assert labels[0].startswith("Registry status “")
    assert labels[0].endswith("” (registry data of 2026-11-01)")
    assert labels[1] == "4 lawsuits on record (registry data of 2026-11-01)"
    assert group == "Litigation"


def test_delay_rule_in_sql_is_sales_rule():
    """delay_high_risk_sql says what DelayRate.high_risk says, on both sides of 20 %."""
    pairs = [(late, due) for due in range(0, 41) for late in range(0, due + 1)]
    pairs += [(2001, 10000), (20001, 100000), (20000, 100000), (40001, 200000)]
    rows = []
    for at in range(0, len(pairs), 200):  # SQLite: at most 500 terms in a compound SELECT
        values = " UNION ALL ".join(
            f"SELECT {late} AS late, {due} AS due" for late, due in pairs[at : at + 200]
        )
        sql = (
            f"SELECT late, due, CASE WHEN {delay_high_risk_sql('late', 'due')} THEN 1 ELSE 0"
            f" END FROM ({values}) v"
        )
        with connection.cursor() as cur:
            cur.execute(sql)
            rows += cur.fetchall()
    assert len(rows) == len(pairs)
    for late, due, high in rows:
        assert bool(high) == DelayRate(due=due, late=late).high_risk, (late, due)


def test_payment_facts_agree_with_delay_counts(account, rep):
    other = factories.make_customer(rep)
    milestones(rep, account, 2, 7, days_ago=30)
    milestones(rep, other, 1, 0, days_ago=400)  # outside the window: overdue only
    facts = {r["account_id"]: r for r in payment_facts(today())}
    counts = delay_counts([account.pk, other.pk], today())
    assert (facts[account.pk]["delay_due"], facts[account.pk]["delay_late"]) == (9, 2)
    assert counts[account.pk] == DelayRate(due=9, late=2)
    assert other.pk not in counts and facts[other.pk]["delay_due"] == 0
    assert str(facts[other.pk]["overdue"]).startswith("1000")


def test_steady_state_writes_nothing(rep):
    a = customer(rep)
    b = customer(rep, docs=False)
    list_hit(b, "new")
    registry(b, "revoked", lawsuits=1)
    milestones(rep, b, 2, 1, days_ago=20)
    add_document(b, "premises_proof", today() - dt.timedelta(days=2))
    first = rescore()
    assert (first.created, first.scored) == (2, 2)
    before = list(RiskAssessment.objects.order_by("pk").values())
    with CaptureQueriesContext(connection) as ctx:
        again = rescore()
    assert (again.created, again.updated, again.changes, again.alerts) == (0, 0, 0, 0)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert list(RiskAssessment.objects.order_by("pk").values()) == before
    assert RiskChange.objects.count() == 1  # b's first scoring only (a is low/0)
    assert a.pk not in RiskChange.objects.values_list("account_id", flat=True)


def test_fact_change_without_score_change_rewrites_evidence_no_history(account):
    all_documents(account)
    old = today() - dt.timedelta(days=20)
    Document.objects.filter(doc_type="premises_proof").update(expires_on=old)
    rescore()
    (factor,) = RiskAssessment.objects.get(account=account).factors
    assert factor["evidence"]["expires_on"] == old.isoformat()
    newer = today() - dt.timedelta(days=3)
    add_document(account, "premises_proof", newer)  # another copy, also expired
    result = rescore()
    assert (result.updated, result.changes) == (1, 0)
    (factor,) = RiskAssessment.objects.get(account=account).factors
    assert factor["evidence"]["expires_on"] == newer.isoformat()


def test_registry_change_writes_history_and_alerts(account, rep, officer):
    all_documents(account)
    record = registry(account, "active")
    rescore()
    assert not RiskChange.objects.exists()
    record.status = "revoked"
    record.save()
    result = rescore()
    assert (result.updated, result.changes, result.level_changes) == (1, 1, 1)
    change = RiskChange.objects.get()
    assert (change.old_level, change.new_level, change.old_score, change.new_score) == (
        "low",
        "high",
        0,
        60,
    )
    assert [f["code"] for f in change.factors] == ["registry_status"]
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "rep",
        "officer",
    }
    record.lawsuit_count = 1  # score 70, still high: history, no new alert
    record.save()
    result = rescore()
    assert (result.changes, result.level_changes, result.alerts) == (1, 0, 0)
    assert Notification.objects.count() == 2


def test_subset_rescoring_touches_only_the_given_accounts(rep):
    a, b, c = customer(rep), customer(rep), customer(rep, docs=False)
    result = rescore(account_ids=[a.pk, c.pk])
    assert result.scored == 2
    assert set(RiskAssessment.objects.values_list("account_id", flat=True)) == {a.pk, c.pk}
    list_hit(b, "confirmed")
    list_hit(a, "new")
    seen = []
    result = rescore(account_ids=[b.pk], on_progress=lambda done, total: seen.append(done))
    assert (result.created, result.updated) == (1, 0)
    assert RiskAssessment.objects.get(account=b).level == "high"
    assert RiskAssessment.objects.get(account=a).level == "low"  # not re-scored
    assert seen[-1] == 1
    result = rescore()
    assert (result.scored, result.created, result.updated) == (3, 0, 1)  # a's hit


def test_assessment_from_before_the_facts_is_rescored(account):
    """Assessments written before the facts columns existed (facts_docs = -1) are rewritten
    once, even when their score and level are right."""
    all_documents(account)
    rescore()
    RiskAssessment.objects.filter(account=account).update(facts_docs=-1)
    result = rescore()
    assert (result.updated, result.changes) == (1, 0)
    assert RiskAssessment.objects.get(account=account).facts_docs == 0


def test_panel_says_when_registry_data_is_missing(account, rep):
    from django.test import Client

    all_documents(account)
    rescore()
    page = Client()
    page.force_login(rep)
    html = page.get(f"/risk/accounts/{account.pk}/").content.decode()
    assert "尚无该企业的工商数据" in html
    assert "未计分" in html
    registry(account, "active")
    html = page.get(f"/risk/accounts/{account.pk}/").content.decode()
    assert "尚无该企业的工商数据" not in html


def test_new_low_account_with_points_has_history_but_no_alert(account, officer):
    add_document(account, "business_licence")  # three missing: 15 points, still low
    result = rescore()
    assert (result.changes, result.level_changes, result.alerts) == (1, 0, 0)
    change = RiskChange.objects.get()
    assert (change.old_level, change.new_level, change.new_score) == ("", "low", 15)
    assert not Notification.objects.exists()


def test_own_documents_combine_with_the_company_documents(account, rep):
    """Per type: a valid document of either kind wins; else the latest expiry of either is
    the evidence; an own document filed under another company does not count."""
    long_ago, last_month = today() - dt.timedelta(days=90), today() - dt.timedelta(days=30)
    add_document(account, "business_licence", long_ago)  # company expired …
    add_document(account, "business_licence", on_account=True)  # … own valid: ok
    add_document(account, "industry_qualification")  # company valid, own expired: ok
    add_document(account, "industry_qualification", long_ago, on_account=True)
    add_document(account, "legal_rep_id", long_ago)  # both expired: the later is evidence
    add_document(account, "legal_rep_id", last_month, on_account=True)
    stray = add_document(account, "premises_proof", on_account=True)  # moved away below
    Document.objects.filter(pk=stray.pk).update(company=factories.make_customer(rep).company)
    expected = [
        ("doc_expired", {"doc_type": "legal_rep_id", "expires_on": last_month.isoformat()}),
        ("doc_missing", {"doc_type": "premises_proof"}),
    ]
    assert [(f["code"], f["evidence"]) for f in score_account(account).factors] == expected
    rescore()
    stored = RiskAssessment.objects.get(account=account)
    assert [(f["code"], f["evidence"]) for f in stored.factors] == expected
    assert stored.facts_expired == f",,{last_month.isoformat()},"
    assert rescore().updated == 0  # the statement's facts equal the stored ones
    # The own valid licence goes: the company's expired one is what is left.
    Document.objects.filter(account=account, doc_type="business_licence").delete()
    assert rescore().updated == 1
    stored = RiskAssessment.objects.get(account=account)
    assert stored.facts_expired == f"{long_ago.isoformat()},,{last_month.isoformat()},"


def test_assessment_under_other_rules_is_rescored(account):
    all_documents(account)
    rescore()
    assert RiskAssessment.objects.get(account=account).rules_version == rules.RULES_VERSION
    RiskAssessment.objects.filter(account=account).update(rules_version="before")
    result = rescore()
    assert (result.updated, result.changes) == (1, 0)  # same facts and score: no history
    assert RiskAssessment.objects.get(account=account).rules_version == rules.RULES_VERSION
    assert rescore().updated == 0


def test_rules_version_follows_the_point_values(monkeypatch):
    before = rules.RULES_VERSION
    monkeypatch.setattr(rules, "DOC_EXPIRED_POINTS", rules.DOC_EXPIRED_POINTS + 1)
    assert rules._rules_version() != before
    monkeypatch.undo()
    assert rules._rules_version() == before
