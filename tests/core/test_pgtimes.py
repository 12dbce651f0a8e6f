"""PostgreSQL timestamps come through psycopg's C loader (core.pgtimes) exactly as Django's
own loader gives them: the same instant, in datetime.UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from casedesk.cases.models import Case
from casedesk.core import pgtimes
from casedesk.core.prepared import PreparedQuery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    "2026-03-29 00:59:59.999999+00",
    "2026-03-29 03:00:00+02",  # written with an offset, read in UTC
    "2026-12-07 01:02:03.000001+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2000-02-29 12:00:00.5-11:30",
]
SELECT = "SELECT " + ", ".join(f"'{v}'::timestamptz" for v in VALUES)


def _read() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(SELECT)
        row: tuple[Any, ...] = cursor.fetchone()
        return row


def test_the_native_loader_reads_what_djangos_reads() -> None:
    native = _read()
    assert type(connection.connection.adapters.get_loader(1184, 0)).__name__ != "SpecificTzLoader"
    assert all(value.tzinfo is UTC for value in native)
    register_tzloader(connection.timezone, connection.connection)  # Django's own loader
    try:
        assert _read() == native
    finally:
        pgtimes.use_native_timestamps(None, connection)  # as on every new connection
    assert native[1] == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert native[5] == datetime(2000, 2, 29, 23, 30, 0, 500_000, tzinfo=UTC)


def test_orm_and_prepared_reads_are_aware_utc(case_a: Any) -> None:
    written = datetime(2026, 7, 1, 12, 30, 15, 123_456, tzinfo=UTC) - timedelta(days=400)
    Case.objects.filter(pk=case_a.pk).update(updated_at=written)
    assert Case.objects.get(pk=case_a.pk).updated_at == written
    query = PreparedQuery(
        lambda pk: Case.objects.filter(pk=pk).values_list("updated_at", "closed_at"), int
    )
    ((updated, closed),) = query.rows(case_a.pk)
    assert (updated, closed) == (written, None)
    assert updated.tzinfo is UTC
