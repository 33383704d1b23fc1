"""Batch duplicate detection through the services: what a run stores and counts, remembered
decisions across runs, batched writes, one run at a time, rights, and decisions in the
change history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.core.errors import error_items
from xinren.customers import services as customer_services
from xinren.jobs.models import JobRun, JobStatus
from xinren.quality import matching, services_dedupe
from xinren.quality.models import DedupeRun, DuplicatePair, PairStatus
from xinren.quality.services_dedupe import decide_pair, run_detection, start_detection

from .dedupe_data import make_companies, pair_of


@pytest.fixture
def steward(org):
    return factories.make_user(org.a_sales, "department_head", username="steward")


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def companies(rep):
    return make_companies(rep)


def stored(x, y) -> DuplicatePair:
    a, b = sorted((x.pk, y.pk))
    return DuplicatePair.objects.get(company_a_id=a, company_b_id=b)


def _rule(exc_info) -> tuple[str, str]:
    item = error_items(exc_info.value)[0]
    return item["field"], item["rule"]


def test_run_stores_the_obvious_pairs_with_their_reasons(steward, companies):
    run = run_detection(actor=steward)
    pairs = list(DuplicatePair.objects.all())
    c = companies
    names = pair_of(pairs, c["hw_sh"], c["hw_br"])
    phone = pair_of(pairs, c["ht_1"], c["ht_2"])
    assert names is not None and "same_name" in [r["code"] for r in names.reasons]
    assert phone is not None and "same_phone" in [r["code"] for r in phone.reasons]
    for lone in ("lone_1", "lone_2"):
        assert not DuplicatePair.objects.filter(company_a=c[lone]).exists()
        assert not DuplicatePair.objects.filter(company_b=c[lone]).exists()
    for p in pairs:
        assert p.company_a_id < p.company_b_id and p.run_id == run.pk
        assert p.status == PairStatus.OPEN and 0 < p.score <= 100
        assert p.score >= matching.DEFAULT_THRESHOLD
    assert run.finished_at is not None and run.created_by == steward
    # every stored pair was one of the candidate pairs blocking let through to scoring
    assert run.compared >= len(pairs) > 0
    assert run.companies == len(companies)
    assert run.pairs_found == run.pairs_new == len(pairs)
    by_reason = run.parameters["by_reason"]
    assert by_reason["same_name"] >= 1 and by_reason["same_phone"] >= 1


def test_decisions_are_remembered_across_runs(steward, companies):
    c = companies
    first = run_detection(actor=steward)
    names = stored(c["hw_sh"], c["hw_br"])
    phone = stored(c["ht_1"], c["ht_2"])
    decide_pair(actor=steward, pair=names, status=PairStatus.DIFFERENT, note="两家独立法人")
    decide_pair(actor=steward, pair=phone, status=PairStatus.UNSURE)
    second = run_detection(actor=steward)
    names.refresh_from_db()
    phone.refresh_from_db()
    # The decided pair keeps its decision and the run that found it; "unsure" stays unsure
    # but its score, reasons and run are refreshed; nothing is new the second time.
    assert names.status == PairStatus.DIFFERENT and names.note == "两家独立法人"
    assert names.run_id == first.pk and names.decided_by == steward
    assert phone.status == PairStatus.UNSURE and phone.run_id == second.pk
    assert second.pairs_found == first.pairs_found and second.pairs_new == 0
    assert second.parameters["remembered"] == 1
    assert DuplicatePair.objects.count() == first.pairs_found


def test_open_pairs_no_longer_found_are_removed_decided_ones_kept(steward, rep, companies):
    c = companies
    run_detection(actor=steward)
    names = stored(c["hw_sh"], c["hw_br"])
    decide_pair(actor=steward, pair=names, status=PairStatus.SAME)
    # The phone pair's name and phone are corrected: no longer a candidate.
    customer_services.update_company(
        actor=rep,
        company=c["ht_2"],
        data={"name": "北极星软件有限公司", "phone": "13900001111"},
        expected_version=c["ht_2"].version,
    )
    second = run_detection(actor=steward)
    assert pair_of(list(DuplicatePair.objects.all()), c["ht_1"], c["ht_2"]) is None
    assert second.parameters["removed"] == 1
    names.refresh_from_db()
    assert names.status == PairStatus.SAME  # a decision is never dropped


def test_small_batches_store_the_same_pairs(steward, companies, monkeypatch):
    run_detection(actor=steward)
    expected = set(DuplicatePair.objects.values_list("company_a_id", "company_b_id", "score"))
    DuplicatePair.objects.all().delete()
    monkeypatch.setattr(services_dedupe, "BATCH", 1)
    run = run_detection(actor=steward)
    got = set(DuplicatePair.objects.values_list("company_a_id", "company_b_id", "score"))
    assert got == expected and run.pairs_new == len(expected) >= 2


def test_pairs_of_companies_deleted_meanwhile_are_skipped(steward, companies, monkeypatch):
    c = companies
    ghost = max(x.pk for x in c.values()) + 1000
    found = [
        matching.Match(c["lone_1"].pk, ghost, 95, (matching.Reason("same_name", 90),)),
        matching.Match(c["lone_1"].pk, c["lone_2"].pk, 80, (matching.Reason("same_phone", 75),)),
    ]
    monkeypatch.setattr(matching, "find_pairs", lambda records, **kw: iter(found))
    run = run_detection(actor=steward)
    [stored] = DuplicatePair.objects.all()
    assert (stored.company_b_id, stored.score) == (c["lone_2"].pk, 80)
    assert stored.reasons == [{"code": "same_phone", "score": 75}]
    assert run.pairs_found == run.pairs_new == 1


@pytest.mark.parametrize("bad", ["abc", "49", "101", "-5", "7.5"])
def test_bad_threshold_names_the_field_and_stores_nothing(steward, bad):
    with pytest.raises(ValidationError) as exc:
        run_detection(actor=steward, threshold=bad)
    assert _rule(exc) == ("threshold", "range")
    assert not DedupeRun.objects.exists()


def test_a_higher_threshold_lists_fewer_pairs(steward, companies):
    low = run_detection(actor=steward, threshold=50)
    high = run_detection(actor=steward, threshold=100)
    assert high.pairs_found < low.pairs_found
    assert high.parameters["threshold"] == 100


def test_detection_needs_the_merge_right(rep, companies):
    with pytest.raises(PermissionDenied):
        run_detection(actor=rep)
    with pytest.raises(PermissionDenied):
        start_detection(actor=rep)
    assert not DedupeRun.objects.exists() and not DuplicatePair.objects.exists()


def test_one_run_at_a_time_but_a_stale_one_does_not_block(steward, companies):
    running = DedupeRun.objects.create(created_by=steward)
    with pytest.raises(ValidationError) as exc:
        run_detection(actor=steward)
    assert _rule(exc) == ("run", "already_running")
    DedupeRun.objects.filter(pk=running.pk).update(started_at=timezone.now() - timedelta(hours=7))
    assert run_detection(actor=steward).finished_at is not None


def test_a_failed_run_is_closed_and_does_not_block(steward, companies, monkeypatch):
    def broken(records, **kw):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(matching, "find_pairs", broken)
    with pytest.raises(RuntimeError):
        run_detection(actor=steward)
    failed = DedupeRun.objects.get()
    assert failed.finished_at is not None and failed.parameters["error"] == "engine exploded"
    assert services_dedupe.running_run() is None


def test_start_detection_runs_as_a_job_with_progress(steward, companies):
    run = start_detection(actor=steward, threshold="70")
    job = JobRun.objects.get(pk=run.job_id)
    assert job.kind == "dedupe" and job.status == JobStatus.DONE and job.percent == 100
    assert job.created_by == steward and job.total > 0 and job.done == job.total
    assert job.result["pairs_found"] == run.pairs_found == DuplicatePair.objects.count()
    assert str(run.pairs_found) in job.message and run.finished_at is not None


def test_decision_is_in_both_companies_history(steward, companies):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.order_by("pk").first()
    decide_pair(actor=steward, pair=pair, status="same", note="  同一家  ")
    pair.refresh_from_db()
    assert (pair.status, pair.note, pair.decided_by) == ("same", "同一家", steward)
    assert pair.decided_at is not None
    entries = ChangeLog.objects.filter(entity="quality.duplicatepair", object_id=pair.pk)
    assert sorted(e.company_id for e in entries) == [pair.company_a_id, pair.company_b_id]
    for e in entries:
        assert e.changes["status"] == {"before": "open", "after": "same"}
        assert e.actor == steward
    # The same decision again changes nothing, so it writes nothing.
    decide_pair(actor=steward, pair=pair, status="same", note="同一家")
    assert entries.count() == 2


@pytest.mark.parametrize(
    ("status", "note", "rule"),
    [("open", "", ("status", "choice")), ("maybe", "", ("status", "choice")),
     ("same", "长" * 201, ("note", "max_length"))],
)  # fmt: skip
def test_bad_decision_names_the_field_and_changes_nothing(steward, companies, status, note, rule):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.first()
    with pytest.raises(ValidationError) as exc:
        decide_pair(actor=steward, pair=pair, status=status, note=note)
    assert _rule(exc) == rule
    pair.refresh_from_db()
    assert pair.status == "open" and pair.decided_by is None
    assert not ChangeLog.objects.filter(entity="quality.duplicatepair").exists()


def test_a_merged_pair_cannot_be_decided_again(steward, companies):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.first()
    DuplicatePair.objects.filter(pk=pair.pk).update(status=PairStatus.MERGED)
    with pytest.raises(ValidationError) as exc:
        decide_pair(actor=steward, pair=pair, status="different")
    assert _rule(exc) == ("status", "merged")


def test_deciding_needs_the_merge_right_and_scope(steward, rep, org, companies):
    run_detection(actor=steward)
    pair = DuplicatePair.objects.first()
    with pytest.raises(PermissionDenied):
        decide_pair(actor=rep, pair=pair, status="same")
    stranger = factories.make_user(org.b_sales, "department_head", username="stranger")
    with pytest.raises(ObjectDoesNotExist):
        decide_pair(actor=stranger, pair=pair, status="same")
    pair.refresh_from_db()
    assert pair.status == "open"
