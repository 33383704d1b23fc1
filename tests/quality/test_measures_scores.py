"""Per-record scores, aggregates against a hand count, and the profile per subsidiary."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from xinren.customers.models import EntityType
from xinren.quality.measures import selectors, services
from xinren.quality.measures.models import QualityScore, QualitySnapshot, SnapshotLevel
from xinren.quality.models import DuplicatePair, PairStatus

from .measures_data import BUILTIN_REQUIRED, bare_customer, corrupt, corrupt_contacts, full_customer

pytestmark = pytest.mark.django_db


def score(account) -> QualityScore:
    return QualityScore.objects.get(account=account)


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def test_full_record_is_complete_and_valid(rep):
    account = full_customer(rep)
    services.refresh_scores()
    s = score(account)
    assert (s.required_total, s.required_filled) == (BUILTIN_REQUIRED, BUILTIN_REQUIRED)
    assert s.completeness == 1.0 and s.validity == 1.0 and s.meets_bar
    assert s.missing == [] and s.invalid == []
    assert not s.duplicate


def test_bare_record_lists_what_is_missing(rep):
    account = bare_customer(rep)
    services.refresh_scores()
    s = score(account)
    assert (s.required_total, s.required_filled) == (BUILTIN_REQUIRED, 1)
    assert (s.checked_total, s.valid_total) == (1, 1)  # the USCC, filled and valid
    assert "legal_rep" in s.missing and "contact_work_phone" in s.missing
    assert "uscc" not in s.missing and len(s.missing) == BUILTIN_REQUIRED - 1
    assert not s.meets_bar


def test_invalid_values_lower_validity_not_completeness(rep):
    account = full_customer(rep)
    corrupt(account, phone="12345", region_code="999999")
    corrupt_contacts(account, work_phone="1381234")
    services.refresh_scores()
    s = score(account)
    assert s.required_filled == BUILTIN_REQUIRED  # filled, though wrong
    assert sorted(s.invalid) == ["contact_work_phone", "phone", "region_code"]
    # Checked: uscc, founded_on, capital, region, industry, size, phone, contact phone = 8.
    assert (s.checked_total, s.valid_total) == (8, 5)
    assert not s.meets_bar


def test_a_foreign_company_is_not_asked_for_a_uscc(rep):
    account = factories.make_customer(rep, uscc="", entity_type=EntityType.FOREIGN)
    services.refresh_scores()
    s = score(account)
    assert s.required_total == BUILTIN_REQUIRED - 1 and "uscc" not in s.missing


def test_duplicate_flag_follows_open_and_same_pairs_only(rep):
    a, b, c = (full_customer(rep) for _ in range(3))
    lo, hi = sorted([a.company_id, b.company_id])
    pair = DuplicatePair.objects.create(company_a_id=lo, company_b_id=hi, score=90)
    services.refresh_scores()
    assert score(a).duplicate and score(b).duplicate and not score(c).duplicate
    pair.status = PairStatus.SAME
    pair.save()
    services.refresh_scores()
    assert score(a).duplicate
    pair.status = PairStatus.DIFFERENT
    pair.save()
    services.refresh_scores()
    assert not score(a).duplicate and not score(b).duplicate


def test_aggregates_match_a_hand_count(org, rep):
    other = factories.make_user(org.a_east, "sales_rep", username="east")
    b_rep = factories.make_user(org.b_sales, "sales_rep", username="south")
    full_customer(rep)  # 12/12 required, checked 8/8 (no optional filled)
    bare = bare_customer(rep)  # 1/12, checked 1/1
    broken = full_customer(other)
    corrupt(broken, phone="12345")  # 12/12, checked 7/8
    dup = full_customer(b_rep)  # 12/12, 8/8, duplicate of the bare one
    lo, hi = sorted([bare.company_id, dup.company_id])
    DuplicatePair.objects.create(company_a_id=lo, company_b_id=hi, score=95)
    result = services.refresh_scores()
    assert result["accounts"] == 4

    admin = factories.make_user(org.hq, "group_admin", username="boss")
    group = selectors.measures(admin)
    assert group.records == 4
    assert (group.required_filled, group.required_total) == (12 + 1 + 12 + 12, 48)
    assert (group.valid_total, group.checked_total) == (8 + 1 + 7 + 8, 8 + 1 + 8 + 8)
    assert group.duplicates == 2 and group.duplicate_rate == 0.5

    by_sub = {r.key: r for r in selectors.breakdown(admin, "subsidiary")}
    assert by_sub[org.sub_a.pk].records == 3 and by_sub[org.sub_b.pk].records == 1
    assert by_sub[org.sub_a.pk].required_filled == 25
    assert by_sub[org.sub_b.pk].completeness == 1.0
    by_dept = {r.key: r for r in selectors.breakdown(admin, "department", subsidiary=org.sub_a.pk)}
    assert set(by_dept) == {org.a_sales.pk, org.a_east.pk}
    assert by_dept[org.a_east.pk].validity == 7 / 8
    by_rep = {r.key: r for r in selectors.breakdown(admin, "rep", department=org.a_sales.pk)}
    assert set(by_rep) == {rep.pk}
    assert by_rep[rep.pk].required_filled == 13 and by_rep[rep.pk].label == str(rep)

    # The snapshot holds the same sums per level.
    snap = QualitySnapshot.objects.get(level=SnapshotLevel.GROUP)
    assert (snap.records, snap.required_filled, snap.valid_total, snap.duplicates) == (
        4,
        37,
        24,
        2,
    )
    rep_row = QualitySnapshot.objects.get(level=SnapshotLevel.REP, user=rep)
    assert (rep_row.records, rep_row.required_filled) == (2, 13)
    trend = selectors.trend(admin)
    assert len(trend) == 1 and trend[0]["completeness"] == 37 / 48


def test_worst_records_come_first(rep):
    good = full_customer(rep)
    bad = bare_customer(rep)
    broken = full_customer(rep)
    corrupt(broken, phone="123")
    services.refresh_scores()
    order = [s.account_id for s in selectors.worst_page(rep, limit=10)]
    assert order == [bad.pk, broken.pk, good.pk]


def test_a_subsidiary_profile_changes_its_measure(org, rep):
    b_rep = factories.make_user(org.b_sales, "sales_rep", username="south")
    a_account, b_account = bare_customer(rep), bare_customer(b_rep)
    admin = factories.make_user(org.hq, "group_admin", username="boss")
    # Subsidiary A only asks for the legal representative and the USCC.
    services.save_profile(
        actor=admin, business_unit=org.sub_a, required=["uscc", "legal_rep"], optional=[]
    )
    services.refresh_scores()
    assert (score(a_account).required_total, score(a_account).required_filled) == (2, 1)
    assert score(b_account).required_total == BUILTIN_REQUIRED  # B keeps the default
    # The group's profile becomes B's default; A keeps its own.
    services.save_profile(
        actor=admin,
        business_unit=org.hq,
        required=["uscc"],
        optional=["legal_rep"],
        min_completeness=100,
    )
    services.refresh_scores()
    assert score(b_account).completeness == 1.0 and score(b_account).meets_bar
    assert score(a_account).required_total == 2
    # A goes back to the group default.
    assert services.reset_profile(actor=admin, business_unit=org.sub_a)
    services.refresh_scores()
    assert score(a_account).required_total == 1


def test_optional_fields_count_for_validity_only(org, rep):
    account = full_customer(rep)
    corrupt(account, email="not-an-email")
    services.refresh_scores()
    assert "email" in score(account).invalid  # optional by default: checked when filled
    admin = factories.make_user(org.hq, "group_admin", username="boss")
    required = [k for k in services.BUILTIN.required]
    services.save_profile(actor=admin, business_unit=org.sub_a, required=required, optional=[])
    services.refresh_scores()
    assert score(account).invalid == [] and score(account).validity == 1.0


def test_profile_input_errors_name_the_field(org):
    admin = factories.make_user(org.hq, "group_admin", username="boss")
    cases = [
        (dict(required=["nope"], optional=[]), "required", "unknown_field"),
        (dict(required=[], optional=["uscc"]), "required", "required"),
        (dict(required=["uscc"], optional=["uscc"]), "optional", "both"),
        (dict(required=["uscc"], optional=[], min_completeness=101), "min_completeness", "range"),
        (dict(required="uscc", optional=[]), "required", "list"),
    ]
    for kwargs, field, rule in cases:
        with pytest.raises(ValidationError) as exc:
            services.save_profile(actor=admin, business_unit=org.sub_a, **kwargs)
        assert exc.value.error_dict[field][0].code == rule
    with pytest.raises(ValidationError) as exc:
        services.save_profile(
            actor=admin, business_unit=org.a_sales, required=["uscc"], optional=[]
        )
    assert "business_unit" in exc.value.error_dict
    from xinren.quality.measures.models import QualityProfile

    assert not QualityProfile.objects.exists()


def test_only_configurers_of_the_unit_set_profiles(org):
    head = factories.make_user(org.a_sales, "department_head", username="head")
    sub_admin = factories.make_user(org.sub_a, "subsidiary_admin", username="suba")
    with pytest.raises(PermissionDenied):
        services.save_profile(actor=head, business_unit=org.sub_a, required=["uscc"], optional=[])
    with pytest.raises(PermissionDenied):
        services.save_profile(
            actor=sub_admin, business_unit=org.sub_b, required=["uscc"], optional=[]
        )
    services.save_profile(actor=sub_admin, business_unit=org.sub_a, required=["uscc"], optional=[])


def test_refresh_reports_progress_and_reruns_same_day(rep):
    for _ in range(5):
        bare_customer(rep)
    calls = []
    services.refresh_scores(on_progress=lambda d, t, m="": calls.append((d, t)), batch=2)
    assert calls[-1] == (5, 5) and len(calls) == 3
    first = QualitySnapshot.objects.count()
    services.refresh_scores()
    assert QualitySnapshot.objects.count() == first  # the day's snapshot replaced, not added
