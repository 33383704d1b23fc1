"""List endpoints run a constant number of queries, whatever the page size (no N+1)."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_customer, make_user
from xinren.customers import services
from xinren.customers.models import ServiceAssignment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
MAX_QUERIES = 12


@pytest.fixture
def world(org):
    """A department head reading a department full of customers, each with a service team,
    contacts and documents; the accounts have owners in different units."""
    head = make_user(org.a_sales, "department_head")
    reps = [make_user(unit, "sales_rep") for unit in (org.a_sales, org.a_east, org.a_sales)]
    agent = make_user(org.a_service, "service_agent")
    company_ids = []
    for i in range(30):
        account = make_customer(reps[i % 3], phone="13800138000")
        ServiceAssignment.objects.create(account=account, user=agent)
        services.create_contact(
            actor=head,
            company=account.company,
            data={"name": f"联系人{i}", "work_phone": "13900139000"},
        )
        services.create_contact(actor=head, company=account.company, data={"name": f"联系人{i}b"})
        company_ids.append(account.company_id)
    first = account.company
    for i in range(10):
        services.create_contact(actor=head, company=first, data={"name": f"多联系人{i}"})
    for i in range(12):
        upload = io.BytesIO(PNG)
        upload.name = f"scan{i}.png"
        upload.size = len(PNG)
        services.upload_document(actor=head, company=first, file=upload, doc_type="other")
    return head, first, company_ids


def count(api, path: str, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, **params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["items"])


LISTS = [
    "/companies",
    "/accounts",
    "/companies/{first}/contacts",
    "/companies/{first}/documents",
    "/companies/{first}/history",
]


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_grow_with_page_size(
    world, api_as, path, django_assert_max_num_queries
):
    head, first, _ids = world
    api = api_as(head)
    api.get("/me")  # the first use of a token records last_used_at once
    path = path.format(first=first.pk)
    small_queries, small_rows = count(api, path, limit=2)
    big_queries, big_rows = count(api, path, limit=30)
    assert big_rows > small_rows >= 2
    assert big_queries == small_queries
    with django_assert_max_num_queries(MAX_QUERIES):
        api.get(path, limit=200)


def test_search_and_filters_keep_the_count(world, api_as):
    head, _first, _ids = world
    api = api_as(head)
    api.get("/me")
    small, _ = count(api, "/companies", limit=2, q="测试", status="lead")
    big, rows = count(api, "/companies", limit=30, q="测试", status="lead")
    assert rows == 30
    assert small == big <= MAX_QUERIES


@pytest.mark.parametrize("path", ["/users", "/org-units", "/roles", "/changes?entity=user"])
def test_org_lists_query_count(world, admin, api_as, path, django_assert_max_num_queries):
    api = api_as(admin)
    api.get("/me")
    path, _, query = path.partition("?")
    params = dict([query.split("=")]) if query else {}
    small, small_rows = count(api, path, limit=2, **params)
    big, big_rows = count(api, path, limit=200, **params)
    assert big_rows > small_rows
    assert small == big
    with django_assert_max_num_queries(MAX_QUERIES):
        api.get(path, limit=200, **params)
