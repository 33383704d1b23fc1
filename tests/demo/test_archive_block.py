"""Archive numbers in blocks (bulk loads) share the one atomic counter with single numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from xinren.customers.services import allocate_archive_block, allocate_archive_no


@pytest.mark.django_db
def test_block_continues_the_sequence_and_never_overlaps_single_numbers():
    assert allocate_archive_no("B2B", 2030) == "B2B-2030-001"
    block = allocate_archive_block("B2B", 2030, 5)
    assert block == [f"B2B-2030-{n:03d}" for n in range(2, 7)]
    assert allocate_archive_no("B2B", 2030) == "B2B-2030-007"
    assert allocate_archive_block("B2B", 2030, 0) == []
    assert allocate_archive_block("CHN", 2030, 2) == ["CHN-2030-001", "CHN-2030-002"]
    assert allocate_archive_block("B2B", 2030, 1) == ["B2B-2030-008"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_blocks_and_single_numbers_never_collide():
    """Threads on their own connections take blocks and single numbers at once: every number
    is handed out exactly once and together they cover the sequence without gaps."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite shares one cache between threads; PostgreSQL pass covers it")
    issued: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def work(i: int) -> None:
        try:
            start.wait()
            for _ in range(10):
                got = (
                    allocate_archive_block("B2B", 2031, 7)
                    if i % 2
                    else [allocate_archive_no("B2B", 2031)]
                )
                with lock:
                    issued.extend(got)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = 3 * 10 * 7 + 3 * 10
    assert len(issued) == len(set(issued)) == total
    assert sorted(issued) == sorted(f"B2B-2031-{n:03d}" for n in range(1, total + 1))
