from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from casedesk.cases.models import Case
from tests import factories


def test_numbers_are_sequential_per_year(contact_a: Any, product: Any) -> None:
    numbers = [factories.make_case(contact_a, product).number for _ in range(3)]
    year = numbers[0][:4]
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]


def _create_in_parallel(contact: Any, product: Any, counts: list[int]) -> list[str]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(counts))

    def work(per_thread: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                factories.make_case(contact, product)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in counts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    return list(Case.objects.order_by("number").values_list("number", flat=True))


def _assert_gapless(numbers: list[str], expected: int) -> None:
    assert len(numbers) == len(set(numbers)) == expected
    sequences = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequences == list(range(1, expected + 1))
    # Each new case went last in the organization's order, none beside another.
    assert sorted(Case.objects.values_list("rank", flat=True)) == list(range(1, expected + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_on_sqlite_is_gapless(contact_a: Any, product: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant; PostgreSQL has its own test")
    _assert_gapless(_create_in_parallel(contact_a, product, [15] * 8), 120)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_create_500_cases_on_postgres(contact_a: Any, product: Any) -> None:
    numbers = _create_in_parallel(contact_a, product, [63] * 4 + [62] * 4)
    _assert_gapless(numbers, 500)
