"""Quality tasks: assigned to the owners of the worst records, notified once, closed by the
refresh that finds the record at the bar."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests import factories
from xinren.customers.models import Company, Contact
from xinren.notifications.models import Notification, NotificationKind
from xinren.quality.measures import selectors, services
from xinren.quality.measures.models import QualityTask, TaskStatus
from xinren.quality.measures.tasks import quality_refresh

from .measures_data import FULL, bare_customer, full_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    rep2 = factories.make_user(org.a_east, "sales_rep", username="rep2")
    rep2.preferred_language = "en"
    rep2.save()
    return (
        factories.make_user(org.a_sales, "department_head", username="head"),
        factories.make_user(org.a_sales, "sales_rep", username="rep1"),
        rep2,
    )


def test_tasks_go_to_owners_of_the_worst_records_and_close_at_the_bar(people):
    head, rep1, rep2 = people
    good = full_customer(rep1)
    bad1, bad2 = bare_customer(rep1), bare_customer(rep1)
    bad3 = bare_customer(rep2)
    services.refresh_scores()
    tasks = services.assign_tasks(actor=head, limit=10)
    assert {t.account_id for t in tasks} == {bad1.pk, bad2.pk, bad3.pk}  # not the good one
    assert good.pk not in {t.account_id for t in tasks}
    by_account = {t.account_id: t for t in tasks}
    assert by_account[bad3.pk].assignee_id == rep2.pk
    assert "legal_rep" in by_account[bad1.pk].missing
    # One notification per owner, in the owner's language.
    n1 = Notification.objects.get(recipient=rep1, kind=NotificationKind.QUALITY_TASK)
    n2 = Notification.objects.get(recipient=rep2, kind=NotificationKind.QUALITY_TASK)
    assert "2" in n1.title and "客户档案" in n1.title
    assert "customer file" in n2.title and n2.url == "/quality/tasks/"
    # Asking again creates nothing new: every record below the bar has its open task.
    assert services.assign_tasks(actor=head, limit=10) == []
    # rep1 fixes one record; the next refresh closes its task, the others stay open.
    Company.objects.filter(pk=bad1.company_id).update(**FULL)
    Contact.objects.create(company_id=bad1.company_id, name="王五", work_phone="13900000000")
    services.refresh_scores()
    closed = QualityTask.objects.get(account=bad1)
    assert closed.status == TaskStatus.DONE and closed.closed_at is not None
    assert QualityTask.objects.filter(status=TaskStatus.OPEN).count() == 2
    mine = list(selectors.my_tasks(rep1))
    assert [t.account_id for t in mine] == [bad2.pk]
    assert [t.account_id for t in selectors.my_tasks(rep1, status="done")] == [bad1.pk]


def test_limit_and_rights(people, org):
    head, rep1, _rep2 = people
    bare_customer(rep1)
    services.refresh_scores()
    for bad in (0, 201, "5", True):
        with pytest.raises(ValidationError) as exc:
            services.assign_tasks(actor=head, limit=bad)
        assert "limit" in exc.value.error_dict
    auditor = factories.make_user(org.hq, "auditor", username="aud")
    with pytest.raises(PermissionDenied):
        services.assign_tasks(actor=auditor, limit=5)
    assert not QualityTask.objects.exists()
    with pytest.raises(ValidationError):
        selectors.my_tasks(rep1, status="closed")


def test_tasks_only_for_records_in_the_assigners_scope(people, org):
    head, rep1, _rep2 = people
    other = factories.make_user(org.b_sales, "sales_rep", username="south")
    bare_customer(other)
    mine = bare_customer(rep1)
    services.refresh_scores()
    tasks = services.assign_tasks(actor=head, limit=10)
    assert [t.account_id for t in tasks] == [mine.pk]


def test_refresh_job_and_my_tasks_page(people):
    head, rep1, _rep2 = people
    account = bare_customer(rep1)
    result = quality_refresh().get()  # the Huey task (immediate in tests)
    assert result["accounts"] == 1
    services.assign_tasks(actor=head, limit=5)
    client = Client()
    client.force_login(rep1)
    html = client.get("/quality/tasks/").content.decode()
    assert account.company.name in html and "法定代表人" in html
