"""Each risk factor, the 20 % delay-rate boundary, level thresholds, explanations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from xinren.risk import rules
from xinren.risk.scoring import score_account

from .conftest import add_document, all_documents, list_hit, milestones, today

pytestmark = pytest.mark.django_db


def codes(score):
    return [f["code"] for f in score.factors]


def test_clean_account_is_low_with_no_factors(account):
    all_documents(account)
    s = score_account(account)
    assert (s.score, s.level, s.factors) == (0, "low", [])


def test_missing_documents_each_explained(account):
    add_document(account, "business_licence")  # no expiry: never expires
    s = score_account(account)
    missing = [f["evidence"]["doc_type"] for f in s.factors if f["code"] == "doc_missing"]
    assert missing == ["industry_qualification", "legal_rep_id", "premises_proof"]
    assert s.score == 3 * rules.DOC_MISSING_POINTS
    assert s.level == "low"


def test_expired_document_counts_unless_a_valid_one_exists(account):
    all_documents(account)
    yesterday = today() - dt.timedelta(days=1)
    Doc = add_document(account, "premises_proof", yesterday).__class__
    Doc.objects.filter(doc_type="premises_proof", expires_on__gt=today()).delete()
    s = score_account(account)
    assert codes(s) == ["doc_expired"]
    assert s.factors[0]["evidence"] == {
        "doc_type": "premises_proof",
        "expires_on": yesterday.isoformat(),
    }
    assert s.score == rules.DOC_EXPIRED_POINTS
    # A document that expires today is still valid today.
    add_document(account, "premises_proof", today())
    assert score_account(account).factors == []


def test_account_document_counts_only_for_its_account(account, org):
    from tests import factories
    from xinren.customers.models import CustomerAccount

    all_documents(account)
    Doc = add_document(account, "legal_rep_id").__class__
    Doc.objects.filter(doc_type="legal_rep_id").update(account=account)
    assert score_account(account).factors == []
    rep_b = factories.make_user(org.b_sales, "sales_rep", username="rep_b")
    other = factories.make_customer(rep_b, name="宁波另一家贸易有限公司")
    # A second account of the same company, in the other subsidiary.
    CustomerAccount.objects.filter(pk=other.pk).update(company=account.company)
    s = score_account(other)
    assert [f["evidence"]["doc_type"] for f in s.factors] == ["legal_rep_id"]


@pytest.mark.parametrize(
    ("late", "on_time", "high"),
    [(1, 4, False), (2, 7, True), (0, 3, False)],  # 20 % exactly is not over 20 %; 22.2 % is
)
def test_delay_rate_boundary(account, rep, late, on_time, high):
    all_documents(account)
    milestones(rep, account, late, on_time, days_ago=30)
    s = score_account(account)
    assert ("delay_rate" in codes(s)) is high
    if high:
        f = next(f for f in s.factors if f["code"] == "delay_rate")
        assert f["evidence"] == {"late": 2, "due": 9, "rate_percent": "22.2"}
        assert f["points"] == rules.DELAY_RATE_POINTS
        assert s.level == "high"


def test_delay_window_is_six_months(account, rep):
    all_documents(account)
    milestones(rep, account, 3, 0, days_ago=200)  # about 6.6 months ago: outside the window
    assert "delay_rate" not in codes(score_account(account))


def test_overdue_amount_small_and_large(account, rep):
    all_documents(account)
    milestones(rep, account, 1, 9, days_ago=5, amount="5000.00")  # 10 % late: rate not high
    s = score_account(account)
    assert codes(s) == ["overdue"]
    assert s.factors[0]["evidence"] == {"amount": "5000.00", "currency": "CNY"}
    assert s.score == rules.OVERDUE_POINTS
    milestones(rep, account, 1, 0, days_ago=5, amount="95000.00")  # 2/11 late, 100,000 owed
    s = score_account(account)
    assert codes(s) == ["overdue"]
    assert s.factors[0]["evidence"]["amount"] == "100000.00"
    assert s.score == rules.OVERDUE_LARGE_POINTS


def test_not_yet_due_is_not_overdue(account, rep):
    all_documents(account)
    from xinren.sales import services as sales

    sales.create_milestone(actor=rep, account=account, data={"due_on": today(), "amount": "9"})
    assert score_account(account).factors == []


def test_list_hits_open_new_and_confirmed(account):
    all_documents(account)
    hit = list_hit(account, "new")
    s = score_account(account)
    assert codes(s) == ["list_hit_new"]
    assert s.level == "medium"
    hit.status = "confirmed"
    hit.save()
    s = score_account(account)
    assert codes(s) == ["list_hit_confirmed"]
    assert s.level == "high"
    hit.status = "dismissed"
    hit.save()
    assert score_account(account).factors == []
    hit.status = "confirmed"
    hit.closed_at = hit.last_seen
    hit.save()
    assert score_account(account).factors == []


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "low"), (29, "low"), (30, "medium"), (59, "medium"), (60, "high"), (100, "high")],
)
def test_level_thresholds(score, level):
    assert rules.level_for(score) == level


def test_score_capped_and_every_factor_explained(account, rep):
    list_hit(account, "confirmed")
    milestones(rep, account, 3, 0, days_ago=10)
    s = score_account(account)
    assert s.score == rules.MAX_SCORE
    assert len(s.factors) == 4 + 2 + 1  # four documents, delay rate and overdue, the hit
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            labels = [rules.factor_label(f) for f in s.factors]
        assert all(label and label not in rules.FACTOR_GROUP for label in labels)
    with translation.override("en"):
        assert "Missing Business licence" in [rules.factor_label(f) for f in s.factors]
    assert rules.factor_label(s.factors[4]).startswith("近六个月付款逾期率 100.0%（3/3")


def test_set_based_overdue_matches_the_per_account_figure(account, rep):
    from tests import factories
    from xinren.sales import services as sales
    from xinren.sales.figures import overdue_amount, overdue_amounts

    other = factories.make_customer(rep, name="宁波港通物流有限公司")
    milestones(rep, account, 2, 1, days_ago=40, amount="300.00")
    m = sales.create_milestone(
        actor=rep, account=other, data={"due_on": today() - dt.timedelta(days=3), "amount": "80"}
    )
    sales.record_receipt(  # partly paid late: 30.00 still overdue
        actor=rep,
        account=other,
        milestone_id=m.pk,
        data={"received_on": today(), "amount": "50", "reference": "P"},
    )
    day = today()
    got = overdue_amounts([account.pk, other.pk], day)
    assert got == {
        account.pk: overdue_amount(account.pk, day),
        other.pk: overdue_amount(other.pk, day),
    }
    assert str(got[account.pk]) == "600.00" and str(got[other.pk]) == "30.00"
