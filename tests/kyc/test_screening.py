"""Screening the master: by USCC, by normalised name where a USCC is missing, refresh, close,
reopen; each full run recorded, an open hit's "last found" moving with the runs; alerts to
owners and risk officers on new hits only."""

from __future__ import annotations

import pytest

from tests import factories
from xinren.customers.models import Company, EntityType
from xinren.customers.services import update_company
from xinren.kyc.models import HitStatus, ListHit, MatchedBy, ScreeningRun, ScreeningTrigger
from xinren.kyc.screening import screen_all, screen_company
from xinren.kyc.selectors import latest_run, with_last_found
from xinren.kyc.services import decide_hit, import_list
from xinren.notifications.models import Notification, NotificationKind
from xinren.quality.models import CompanyKey
from xinren.quality.services import index_companies

from .conftest import HEADER, csv_bytes

pytestmark = pytest.mark.django_db


def _list(actor, rows, name="失信名单", rescreen=False):
    return import_list(
        actor=actor, content=csv_bytes([HEADER, *rows]), filename="l.csv", kind="dishonest",
        name=name, rescreen=rescreen,
    )  # fmt: skip


def _hits():
    return {
        (h.company.name, h.entry.name, h.matched_by, h.closed_at is None)
        for h in ListHit.objects.select_related("company", "entry")
    }


def _found(hit):
    """The hit's "last found", as the API and the pages read it."""
    return with_last_found(ListHit.objects.filter(pk=hit.pk)).get().last_found


def _set_uscc(actor, company, uscc):
    company.refresh_from_db()
    kind = EntityType.ENTERPRISE if uscc else EntityType.FOREIGN  # only these may lack one
    update_company(actor=actor, company=company, data={"uscc": uscc, "entity_type": kind},
                   expected_version=company.version)  # fmt: skip


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def test_hit_by_uscc_and_by_normalised_name(configurer, rep):
    listed = factories.make_customer(rep, name="甲乙贸易有限公司").company
    factories.make_customer(rep, name="上海华为技术有限公司")
    factories.make_customer(rep, name="无关企业有限公司")
    # Same normalised name but both have different USCCs: two legal entities, no hit.
    other = factories.make_customer(rep, name="北京丙丁科技有限公司").company
    _list(configurer, [
        ["甲乙贸易（改名）有限公司", listed.uscc, "拒不履行", "", ""],
        ["华为技术（上海）有限公司", "", "失联", "", ""],
        ["丙丁科技有限公司", factories.valid_uscc(), "", "", ""],
    ])  # fmt: skip
    result = screen_all()
    assert (result.matches, result.new, result.closed) == (2, 2, 0)
    assert _hits() == {
        ("甲乙贸易有限公司", "甲乙贸易（改名）有限公司", MatchedBy.USCC, True),
        ("上海华为技术有限公司", "华为技术（上海）有限公司", MatchedBy.NAME, True),
    }
    assert set(result.new_hit_ids) == set(ListHit.objects.values_list("pk", flat=True))
    assert not ListHit.objects.filter(company=other).exists()


def test_name_match_when_only_the_company_lacks_a_uscc(configurer, rep):
    company = factories.make_customer(rep, name="星河动力有限公司").company
    _set_uscc(rep, company, "")  # a company registered abroad has none
    assert Company.objects.get(pk=company.pk).uscc is None
    _list(configurer, [["星河动力有限责任公司", factories.valid_uscc(), "", "", ""]])
    screen_all()
    assert ListHit.objects.get().company == company
    assert ListHit.objects.get().matched_by == MatchedBy.NAME


def test_rescreen_refreshes_closes_and_reopens(configurer, rep):
    a = factories.make_customer(rep, name="甲乙贸易有限公司").company
    b = factories.make_customer(rep, name="丙丁贸易有限公司").company
    _list(configurer, [["甲乙", a.uscc, "", "", ""], ["丙丁", b.uscc, "", "", ""]])
    first = screen_all()
    hit_a = ListHit.objects.get(company=a)
    again = screen_all()
    assert (again.new, again.refreshed, again.closed, again.new_hit_ids) == (0, 2, 0, [])
    hit_a.refresh_from_db()
    assert _found(hit_a) > hit_a.first_seen and first.new == 2
    # b leaves the list: its hit is closed, a's stays open.
    _list(configurer, [["甲乙", a.uscc, "", "", ""]])
    third = screen_all()
    assert (third.new, third.closed) == (0, 1)
    assert ListHit.objects.get(company=b).closed_at is not None
    # Dismissed hits stay dismissed while they stay listed ...
    decide_hit(actor=configurer, hit_id=hit_a.pk, status=HitStatus.DISMISSED, note="同名不同人")
    assert screen_all().new == 0
    assert ListHit.objects.get(company=a).status == HitStatus.DISMISSED
    # ... and a company listed again is a new hit.
    _list(configurer, [["甲乙", a.uscc, "", "", ""], ["丙丁", b.uscc, "", "", ""]])
    fourth = screen_all()
    reopened = ListHit.objects.get(company=b)
    assert fourth.new_hit_ids == [reopened.pk] and reopened.closed_at is None
    assert reopened.status == HitStatus.NEW


def test_a_hit_follows_its_company_gaining_and_losing_a_uscc(configurer, rep):
    """The name match of a coded entry reads whether the company has a USCC from the lookup
    keys: every change of the company's USCC through the services must reach them."""
    company = factories.make_customer(rep, name="星河动力有限公司").company
    code = factories.valid_uscc()
    _list(configurer, [["星河动力有限责任公司", code, "", "", ""]])
    assert screen_all().matches == 0  # its own, different USCC: another legal entity
    _set_uscc(rep, company, "")
    assert CompanyKey.objects.get(pk=company.pk).has_uscc is False
    first = screen_all()
    hit = ListHit.objects.get()
    assert (first.new, hit.matched_by) == (1, MatchedBy.NAME)
    # Given the listed USCC: the same hit, still open, now matched by USCC; not new again.
    _set_uscc(rep, company, code)
    assert CompanyKey.objects.get(pk=company.pk).has_uscc is True
    again = screen_all()
    found_by = latest_run().started_at
    hit.refresh_from_db()
    assert (again.new, again.refreshed, again.closed) == (0, 1, 0)
    assert (hit.matched_by, hit.closed_at, _found(hit) > hit.first_seen) == (
        MatchedBy.USCC, None, True)  # fmt: skip
    # Given another USCC: a different legal entity, the hit closes and stays as it was seen.
    _set_uscc(rep, company, factories.valid_uscc())
    assert screen_all().closed == 1
    hit.refresh_from_db()
    seen = hit.last_seen
    assert hit.closed_at is not None
    assert screen_all().refreshed == 0
    hit.refresh_from_db()
    assert hit.last_seen == seen and hit.matched_by == MatchedBy.USCC
    assert _found(hit) == found_by  # closed: by the last run that found it
    # Without one again: matched by name, reopened as new.
    _set_uscc(rep, company, "")
    third = screen_all()
    hit.refresh_from_db()
    assert third.new_hit_ids == [hit.pk]
    assert (hit.matched_by, hit.closed_at, hit.status) == (MatchedBy.NAME, None, HitStatus.NEW)


def test_bulk_written_keys_read_the_stored_uscc(rep):
    coded = factories.make_customer(rep, name="甲乙贸易有限公司").company
    bare = factories.make_customer(rep, name="丙丁贸易有限公司").company
    Company.objects.filter(pk=bare.pk).update(uscc=None)
    CompanyKey.objects.all().delete()
    assert index_companies([coded.pk, bare.pk]) == 2
    assert dict(CompanyKey.objects.values_list("company_id", "has_uscc")) == {
        coded.pk: True, bare.pk: False}  # fmt: skip


def test_one_company_is_screened_from_its_own_row(configurer, rep):
    """screen_company matches only that company, by all three ways, and leaves the others'
    hits alone."""
    a = factories.make_customer(rep, name="甲乙贸易有限公司").company
    b = factories.make_customer(rep, name="丙丁贸易有限公司").company
    c = factories.make_customer(rep, name="戊己贸易有限公司").company
    _set_uscc(rep, b, "")
    _list(configurer, [
        ["甲乙", a.uscc, "", "", ""],  # by USCC
        ["丙丁贸易（北京）有限公司", factories.valid_uscc(), "", "", ""],  # coded, by name
        ["戊己贸易（上海）有限公司", "", "", "", ""],  # uncoded, by name
    ])  # fmt: skip
    assert screen_all().new == 3
    for company, how in ((a, MatchedBy.USCC), (b, MatchedBy.NAME), (c, MatchedBy.NAME)):
        result = screen_company(company)
        assert (result.matches, result.refreshed, result.new, result.closed) == (1, 1, 0, 0)
        assert ListHit.objects.get(company=company).matched_by == how
    _list(configurer, [["甲乙", a.uscc, "", "", ""]])
    assert screen_company(b).closed == 1
    assert ListHit.objects.filter(closed_at__isnull=True).count() == 2  # c's hit untouched


def test_a_changed_company_is_screened_alone(configurer, rep):
    company = factories.make_customer(rep, name="甲乙贸易有限公司").company
    factories.make_customer(rep, name="丙丁贸易有限公司")
    _list(configurer, [["丙丁贸易有限公司", "", "", "", ""], ["戊己贸易有限公司", "", "", "", ""]])
    assert screen_company(company).matches == 0
    assert not ListHit.objects.exists()  # only that company was screened
    update_company(actor=rep, company=company, data={"name": "戊己贸易有限公司"},
                   expected_version=company.version)  # fmt: skip
    company.refresh_from_db()
    result = screen_company(company)
    assert result.new == 1 and ListHit.objects.get().company == company


def test_import_rescreens_and_alerts_owner_and_risk_officers_once(configurer, org, rep):
    factories.make_user(org.sub_a, "risk_officer", username="risk_a")
    officer_b = factories.make_user(org.sub_b, "risk_officer", username="risk_b")
    colleague = factories.make_user(org.a_sales, "sales_rep", username="colleague")
    company = factories.make_customer(rep, name="甲乙贸易有限公司").company
    factories.make_customer(colleague, name="清白企业有限公司")
    report = _list(configurer, [["甲乙", company.uscc, "", "", ""]], rescreen=True)
    assert report.job is not None and report.job.status == "done"
    assert report.job.result["new"] == 1 and report.job.result["alerts"] == 2
    notes = Notification.objects.filter(kind=NotificationKind.LIST_HIT)
    assert {n.recipient.username for n in notes} == {"rep", "risk_a"}
    assert all(n.company_id == company.pk and "甲乙贸易有限公司" in n.title for n in notes)
    assert officer_b.notifications.count() == 0
    # Importing the same file again: nothing changed, no job, no new alerts; a changed list
    # re-screens but the hit is not new.
    again = _list(configurer, [["甲乙", company.uscc, "", "", ""]], rescreen=True)
    assert again.job is None
    changed = _list(configurer, [["甲乙", company.uscc, "原因", "", ""]], rescreen=True)
    assert changed.job.result["new"] == 0 and changed.job.result["alerts"] == 0
    assert Notification.objects.filter(kind=NotificationKind.LIST_HIT).count() == 2


def test_a_full_run_is_recorded_with_its_counts_trigger_and_actor(configurer, rep):
    a = factories.make_customer(rep, name="甲乙贸易有限公司").company
    b = factories.make_customer(rep, name="丙丁贸易有限公司").company
    assert latest_run() is None
    _list(configurer, [["甲乙", a.uscc, "", "", ""], ["丙丁", b.uscc, "", "", ""]])
    screen_all(trigger=ScreeningTrigger.LIST_IMPORT, actor=configurer)
    first = latest_run()
    assert (first.trigger, first.started_by, first.matches, first.new, first.closed,
            first.refreshed) == (ScreeningTrigger.LIST_IMPORT, configurer, 2, 2, 0, 0)  # fmt: skip
    assert first.started_at <= first.finished_at
    assert first.started_at == ListHit.objects.get(company=a).last_seen  # the run's time
    _list(configurer, [["甲乙", a.uscc, "", "", ""]])
    screen_all(trigger=ScreeningTrigger.DAILY)
    second = latest_run()
    assert (second.trigger, second.started_by, second.matches, second.new, second.closed,
            second.refreshed) == (ScreeningTrigger.DAILY, None, 1, 0, 1, 1)  # fmt: skip
    assert second.started_at > first.started_at and ScreeningRun.objects.count() == 2
    # One company screened alone is not a full run.
    screen_company(a)
    assert ScreeningRun.objects.count() == 2
    with pytest.raises(ValueError, match="trigger"):
        screen_all(trigger="hourly")


def test_open_hits_are_found_by_each_run_without_being_rewritten(configurer, rep):
    a = factories.make_customer(rep, name="甲乙贸易有限公司").company
    b = factories.make_customer(rep, name="丙丁贸易有限公司").company
    _list(configurer, [["甲乙", a.uscc, "", "", ""], ["丙丁", b.uscc, "", "", ""]])
    screen_all()
    hit_a, hit_b = ListHit.objects.get(company=a), ListHit.objects.get(company=b)
    written = {h.pk: (h.last_seen, h.matched_by, h.status) for h in (hit_a, hit_b)}
    assert _found(hit_a) == hit_a.last_seen == latest_run().started_at
    # b leaves the list: closed, found last by the first run.
    _list(configurer, [["甲乙", a.uscc, "", "", ""]])
    screen_all()
    closed_run = latest_run()
    assert _found(hit_a) == closed_run.started_at > hit_a.last_seen
    hit_b.refresh_from_db()
    assert hit_b.closed_at == closed_run.started_at and _found(hit_b) == hit_b.last_seen
    # The daily re-screen, nothing changed: a's "last found" moves, its row stays as written.
    result = screen_all()
    assert (result.matches, result.refreshed, result.new, result.closed) == (1, 1, 0, 0)
    assert _found(hit_a) == latest_run().started_at > closed_run.started_at
    assert _found(hit_b) == written[hit_b.pk][0]
    hit_a.refresh_from_db()
    assert (hit_a.last_seen, hit_a.matched_by, hit_a.status) == written[hit_a.pk]
    # Screening the company alone writes its open hit's last_seen: later than the run.
    screen_company(a)
    hit_a.refresh_from_db()
    assert hit_a.last_seen > latest_run().started_at and _found(hit_a) == hit_a.last_seen


def test_daily_job_and_list_import_record_their_trigger(configurer, rep):
    from xinren.kyc.tasks import rescreen

    company = factories.make_customer(rep, name="甲乙贸易有限公司").company
    report = _list(configurer, [["甲乙", company.uscc, "", "", ""]], rescreen=True)
    assert report.job.status == "done"
    run = latest_run()
    assert (run.trigger, run.started_by, run.new) == (ScreeningTrigger.LIST_IMPORT, configurer, 1)
    assert rescreen(trigger=ScreeningTrigger.DAILY)["refreshed"] == 1
    run = latest_run()
    assert (run.trigger, run.started_by, run.new, run.refreshed) == (
        ScreeningTrigger.DAILY, None, 0, 1)  # fmt: skip


def test_a_closed_hit_was_last_found_by_the_last_run_before_it_closed(configurer, rep):
    company = factories.make_customer(rep, name="戊己贸易有限公司").company
    factories.make_customer(rep, name="丙丁贸易有限公司")
    _list(configurer, [["戊己贸易（上海）有限公司", "", "", "", ""]])  # by name only
    screen_all()
    hit = ListHit.objects.get()
    screen_all()
    found_by = latest_run().started_at
    assert found_by > hit.last_seen and _found(hit) == found_by
    # Renamed and screened alone: no longer matched, closed; the run before found it last.
    update_company(actor=rep, company=company, data={"name": "庚辛贸易有限公司"},
                   expected_version=company.version)  # fmt: skip
    company.refresh_from_db()
    assert screen_company(company).closed == 1
    hit.refresh_from_db()
    assert hit.closed_at > found_by and _found(hit) == found_by
    # A later run does not find it: it stays as it was found last.
    screen_all()
    assert latest_run().started_at > found_by and _found(hit) == found_by
