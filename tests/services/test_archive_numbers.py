import pytest
from django.utils import timezone

from tests import factories
from xinren.customers.services import allocate_archive_no


@pytest.mark.django_db
def test_format_and_sequence(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    year = timezone.localdate().year
    first, second = factories.make_customer(rep), factories.make_customer(rep)
    assert first.archive_no == f"B2B-{year}-001"
    assert second.archive_no == f"B2B-{year}-002"
    assert allocate_archive_no("B2G", 2024) == "B2G-2024-001"
    assert allocate_archive_no("B2B", 2024) == "B2B-2024-001"
    assert allocate_archive_no("B2G", 2024) == "B2G-2024-002"
