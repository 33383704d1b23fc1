"""Every create, update and delete is in the history with who, when, before and after;
the customer's history shows only the accounts the reader may see."""

import pytest

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.customers import selectors, services
from xinren.orgs import services as org_services


@pytest.mark.django_db
def test_company_lifecycle_is_recorded(org):
    rep = factories.make_user(org.a_sales, "sales_rep", full_name="王小明")
    account = factories.make_customer(rep, name="历史测试有限公司")
    company = account.company
    services.update_company(
        actor=rep, company=company, data={"legal_rep": "赵六"}, expected_version=company.version
    )
    contact = services.create_contact(
        actor=rep, company=company, data={"name": "韩梅梅", "work_phone": "13800138000"}
    )
    services.delete_contact(actor=rep, contact=contact)

    history = list(ChangeLog.objects.filter(company_id=company.pk).order_by("id"))
    assert [(h.entity, h.action) for h in history] == [
        ("customers.company", "create"),
        ("customers.customeraccount", "create"),
        ("customers.company", "update"),
        ("customers.contact", "create"),
        ("customers.contact", "delete"),
    ]
    update = history[2]
    assert update.actor == rep and update.actor_name == "王小明"
    assert update.changes == {"legal_rep": {"before": "", "after": "赵六"}}
    assert history[4].changes["work_phone"] == {"before": "13800138000", "after": None}


@pytest.mark.django_db
def test_noop_update_writes_nothing(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    company = factories.make_customer(rep).company
    count = ChangeLog.objects.count()
    services.update_company(
        actor=rep, company=company, data={"name": company.name}, expected_version=company.version
    )
    assert ChangeLog.objects.count() == count


@pytest.mark.django_db
def test_history_hides_other_subsidiaries_accounts(org):
    rep_a = factories.make_user(org.a_sales, "sales_rep")
    rep_b = factories.make_user(org.b_sales, "sales_rep")
    account_a = factories.make_customer(rep_a, name="共同客户有限公司")
    account_b = services.open_account(actor=rep_b, company=account_a.company)
    services.update_account(
        actor=rep_b,
        account=account_b,
        data={"notes": "华南的秘密备注"},
        expected_version=account_b.version,
    )
    seen_by_a = selectors.company_history(rep_a, account_a.company)
    assert not seen_by_a.filter(account_id=account_b.pk).exists()
    assert seen_by_a.filter(account_id=account_a.pk).exists()
    assert (
        selectors.company_history(rep_b, account_a.company).filter(account_id=account_b.pk).count()
        == 2
    )


@pytest.mark.django_db
def test_org_changes_are_recorded(admin, org):
    unit = org_services.create_org_unit(
        actor=admin, name="新部门", code="SA-N", kind="department", parent=org.sub_a
    )
    org_services.update_org_unit(
        actor=admin, unit=unit, data={"name": "创新部"}, expected_version=unit.version
    )
    user = org_services.create_user(
        actor=admin,
        username="newbie",
        password="Long-enough-2026",
        org_unit=unit,
        role=factories.Role.objects.get(code="sales_rep"),
    )
    entries = ChangeLog.objects.filter(entity__in=["orgs.orgunit", "orgs.user"]).order_by("id")
    assert [(e.entity, e.action) for e in entries][-3:] == [
        ("orgs.orgunit", "create"),
        ("orgs.orgunit", "update"),
        ("orgs.user", "create"),
    ]
    assert entries.filter(entity="orgs.orgunit", action="update").get().changes["name"] == {
        "before": "新部门",
        "after": "创新部",
    }
    assert "password" not in entries.get(entity="orgs.user", object_id=user.pk).changes
