"""Two people editing the same record: the second save is refused, never silently lost."""

import pytest

from tests import factories
from xinren.core.errors import ConflictError
from xinren.customers import services
from xinren.customers.models import Company, Contact


@pytest.mark.django_db
def test_second_company_save_is_refused(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    head = factories.make_user(org.a_sales, "department_head")
    company = factories.make_customer(rep, name="并发测试有限公司").company
    mine, theirs = Company.objects.get(pk=company.pk), Company.objects.get(pk=company.pk)

    services.update_company(
        actor=rep, company=mine, data={"main_business": "软件"}, expected_version=mine.version
    )
    with pytest.raises(ConflictError) as info:
        services.update_company(
            actor=head,
            company=theirs,
            data={"main_business": "硬件"},
            expected_version=theirs.version,
        )
    assert info.value.current_version == 2
    stored = Company.objects.get(pk=company.pk)
    assert stored.main_business == "软件"
    assert stored.version == 2


@pytest.mark.django_db
def test_conflict_on_contact_and_account(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    account = factories.make_customer(rep)
    contact = services.create_contact(actor=rep, company=account.company, data={"name": "李雷"})
    stale = contact.version
    services.update_contact(
        actor=rep, contact=contact, data={"title": "经理"}, expected_version=stale
    )
    with pytest.raises(ConflictError):
        services.update_contact(
            actor=rep,
            contact=Contact.objects.get(pk=contact.pk),
            data={"title": "总监"},
            expected_version=stale,
        )
    stale = account.version
    services.update_account(
        actor=rep, account=account, data={"status": "needs"}, expected_version=stale
    )
    with pytest.raises(ConflictError):
        services.update_account(
            actor=rep, account=account, data={"status": "deal"}, expected_version=stale
        )
    account.refresh_from_db()
    assert account.status == "needs"
