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


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_never_duplicates_an_archive_number():
    """Eight threads, each its own database connection, create customers at once: every
    archive number is issued exactly once and the sequence has no gaps."""
    import threading

    from django.db import connection, connections

    from xinren.customers.models import CustomerAccount
    from xinren.orgs.services import ensure_builtin_roles

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite shares one cache between threads; PostgreSQL pass covers it")
    ensure_builtin_roles()
    org = factories.build_org_tree()
    reps = [factories.make_user(org.a_sales, "sales_rep", username=f"rep{i}") for i in range(8)]
    usccs = [[factories.valid_uscc() for _ in range(10)] for _ in reps]
    errors: list[BaseException] = []
    start = threading.Barrier(len(reps))

    def work(rep, codes):
        try:
            start.wait()
            for code in codes:
                factories.make_customer(rep, uscc=code)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(r, c)) for r, c in zip(reps, usccs, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(CustomerAccount.objects.values_list("archive_no", flat=True))
    assert len(numbers) == 80 == len(set(numbers))
    year = timezone.localdate().year
    assert sorted(numbers) == [f"B2B-{year}-{n:03d}" for n in range(1, 81)]
