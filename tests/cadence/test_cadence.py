"""Tiers (set by hand, with reason and history) and the visit cadence rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.cadence import selectors, services
from xinren.cadence.models import AccountTier, TierChange


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


def test_new_account_is_c_and_due_a_quarter_after_opening(org, rep):
    account = factories.make_customer(rep)
    status = selectors.visit_status(rep, account.pk)
    assert status.tier == "C" and status.interval_days == 90
    assert status.next_visit_due == timezone.localtime(account.created_at).date() + timedelta(
        days=90
    )
    assert not status.overdue


def test_set_tier_needs_a_reason_and_keeps_history(org, rep):
    account = factories.make_customer(rep)
    with pytest.raises(ValidationError) as err:
        services.set_tier(actor=rep, account=account, tier="S", reason="  ")
    assert "reason" in err.value.error_dict
    with pytest.raises(ValidationError) as err:
        services.set_tier(actor=rep, account=account, tier="X", reason="大客户")
    assert "tier" in err.value.error_dict
    services.set_tier(actor=rep, account=account, tier="S", reason="年采购额超过一千万")
    services.set_tier(actor=rep, account=account, tier="A", reason="采购额下降")
    history = list(selectors.tier_history(rep, account.pk))
    assert [(h.from_tier, h.to_tier, h.reason) for h in history] == [
        ("S", "A", "采购额下降"),
        ("C", "S", "年采购额超过一千万"),
    ]
    change = ChangeLog.objects.filter(entity="cadence.accounttier").first()
    assert change.changes["tier"] == {"before": "S", "after": "A"}
    # S and A are visited monthly
    assert selectors.visit_status(rep, account.pk).interval_days == 30


def test_visits_move_the_due_date_and_late_logs_of_old_visits_do_not(org, rep):
    account = factories.make_customer(rep)
    services.set_tier(actor=rep, account=account, tier="A", reason="重点客户")
    now = timezone.now()
    services.note_visit(account, now - timedelta(days=40))
    assert AccountTier.objects.get(pk=account.pk).next_visit_due == timezone.localtime(
        now - timedelta(days=40)
    ).date() + timedelta(days=30)
    assert selectors.visit_status(rep, account.pk).overdue
    services.note_visit(account, now - timedelta(days=2))
    services.note_visit(account, now - timedelta(days=20))  # older visit logged later
    record = AccountTier.objects.get(pk=account.pk)
    assert record.next_visit_due == timezone.localtime(now - timedelta(days=2)).date() + timedelta(
        days=30
    )
    assert selectors.accounts_due_for_visit(rep, timezone.localdate()).count() == 0


def test_policy_per_subsidiary(org, rep):
    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    account = factories.make_customer(rep)
    services.set_visit_policy(actor=admin, business_unit=org.sub_a, tier="C", visit_every_days=60)
    assert selectors.visit_policies(org.sub_a.pk)["C"] == 60
    assert selectors.visit_policies(org.sub_b.pk)["C"] == 90
    assert selectors.visit_status(rep, account.pk).interval_days == 60
    with pytest.raises(ValidationError):
        services.set_visit_policy(
            actor=admin, business_unit=org.sub_a, tier="C", visit_every_days=0
        )
    with pytest.raises(PermissionDenied):
        services.set_visit_policy(
            actor=admin, business_unit=org.sub_b, tier="C", visit_every_days=30
        )
    with pytest.raises(PermissionDenied):
        services.set_visit_policy(actor=rep, business_unit=org.sub_a, tier="C", visit_every_days=30)


def test_tier_is_scoped(org, rep):
    account = factories.make_customer(rep)
    outsider = factories.make_user(org.b_sales, "sales_rep", username="outsider")
    with pytest.raises(PermissionDenied):
        services.set_tier(actor=outsider, account=account, tier="S", reason="越权")
    auditor = factories.make_user(org.hq, "auditor", username="aud")
    with pytest.raises(PermissionDenied):
        services.set_tier(actor=auditor, account=account, tier="S", reason="只读")
    assert not TierChange.objects.exists()


def test_ensure_tier_records_fills_the_gaps(org, rep):
    accounts = [factories.make_customer(rep) for _ in range(3)]
    AccountTier.objects.all().delete()
    assert services.ensure_tier_records(batch=2) == 3
    assert AccountTier.objects.filter(account__in=accounts, tier="C").count() == 3
    assert services.ensure_tier_records() == 0


def test_tier_page_and_badge(org, rep):
    from django.test import Client

    account = factories.make_customer(rep)
    client = Client()
    client.force_login(rep)
    detail = client.get(f"/customers/{account.company_id}/").content.decode()
    assert 'data-testid="cadence"' in detail and "每 90 天拜访" in detail
    bad = client.post(f"/accounts/{account.pk}/tier/", {"tier": "S", "reason": ""})
    assert 'data-field="reason"' in bad.content.decode()
    ok = client.post(f"/accounts/{account.pk}/tier/", {"tier": "S", "reason": "核心客户"})
    assert ok.status_code == 302
    page = client.get(f"/accounts/{account.pk}/tier/").content.decode()
    assert "核心客户" in page and "C → S" in page
    outsider = Client()
    outsider.force_login(factories.make_user(org.b_sales, "sales_rep", username="o"))
    assert outsider.get(f"/accounts/{account.pk}/tier/").status_code == 404


def test_policy_page(org, rep):
    from django.test import Client

    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/cadence/").content.decode()
    assert org.sub_a.name in page and org.sub_b.name not in page
    prefix = f"u{org.sub_a.pk}-"
    data = {
        "unit": org.sub_a.pk,
        prefix + "S": 14,
        prefix + "A": 30,
        prefix + "B": 90,
        prefix + "C": 120,
    }
    assert client.post("/admin/cadence/", data).status_code == 302
    assert selectors.visit_policies(org.sub_a.pk) == {"S": 14, "A": 30, "B": 90, "C": 120}
    bad = client.post("/admin/cadence/", {**data, prefix + "S": 0})
    assert bad.status_code == 200 and selectors.visit_policies(org.sub_a.pk)["S"] == 14
    rep_client = Client()
    rep_client.force_login(rep)
    assert rep_client.get("/admin/cadence/").status_code == 403
