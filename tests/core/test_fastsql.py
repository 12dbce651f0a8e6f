"""Statements on the driver's cursor behave as through Django's: the same rows, Django's
exceptions, a broken transaction refused, and every statement seen by whoever watches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from casedesk.cases.models import CaseNumberCounter
from casedesk.core.fastsql import Statement, fetch_all, fetch_one, row_count

_INSERT = Statement('INSERT INTO "cases_casenumbercounter" ("year", "last") VALUES (%s, %s)')
_FROM = Statement(
    'SELECT "year", "last" FROM "cases_casenumbercounter" WHERE "year" >= %s ORDER BY "year"'
)
_BUMP = Statement('UPDATE "cases_casenumbercounter" SET "last" = "last" + 1 WHERE "year" = %s')


_OURS = {s.sql for s in (_INSERT, _FROM, _BUMP)}


@pytest.fixture
def unwatched(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing counts queries, so none of these statements may go through Django's cursor
    (the ORM's own statements, savepoints included, still do)."""
    connection.cursor().close()  # opens the connection and runs this request's health check
    assert not connection.queries_logged
    through_django: list[str] = []
    execute = CursorWrapper.execute

    def recording(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        through_django.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", recording)
    yield
    assert through_django, "the ORM's statements should have been seen"
    assert not _OURS & set(through_django)


@pytest.mark.django_db
def test_rows_and_counts_as_django_gives_them(unwatched: None) -> None:
    for year, last in ((2030, 7), (2031, 0), (2029, 3)):
        row_count(connection, _INSERT, [year, last])
    assert fetch_all(connection, _FROM, [2030]) == [(2030, 7), (2031, 0)]
    assert fetch_one(connection, _FROM, [2029]) == (2029, 3)
    assert fetch_one(connection, _FROM, [2040]) is None
    assert row_count(connection, _BUMP, [2031]) == 1
    assert row_count(connection, _BUMP, [2040]) == 0
    assert CaseNumberCounter.objects.get(year=2031).last == 1
    # "%%" is a percent sign, as in Django's SQL.
    assert fetch_one(connection, Statement("SELECT '100%%'"), []) == ("100%",)


@pytest.mark.django_db
def test_an_integrity_error_is_djangos_and_rolls_back_its_block(unwatched: None) -> None:
    row_count(connection, _INSERT, [2030, 1])

    def bump_then_insert_again() -> None:
        with transaction.atomic():
            row_count(connection, _BUMP, [2030])
            row_count(connection, _INSERT, [2030, 5])

    with pytest.raises(IntegrityError):
        bump_then_insert_again()
    assert fetch_all(connection, _FROM, [2030]) == [(2030, 1)]


@pytest.mark.django_db
def test_other_errors_are_djangos_and_mark_the_connection(unwatched: None) -> None:
    connection.errors_occurred = False
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        fetch_all(connection, Statement("SELECT nothing FROM nowhere"), [])
    assert type(raised.value).__module__ == "django.db.utils"
    # So that the connection is checked before it serves the next request.
    assert connection.errors_occurred


@pytest.mark.django_db
def test_a_broken_transaction_is_refused() -> None:
    row_count(connection, _INSERT, [2030, 1])
    with transaction.atomic():
        try:
            with transaction.atomic(savepoint=False):
                row_count(connection, _INSERT, [2030, 2])
        except IntegrityError:
            pass
        with pytest.raises(TransactionManagementError):
            fetch_one(connection, _FROM, [2030])
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_query_counting_and_execute_wrappers_see_every_statement() -> None:
    with CaptureQueriesContext(connection) as captured:
        row_count(connection, _INSERT, [2030, 4])
        assert fetch_one(connection, _FROM, [2030]) == (2030, 4)
    assert len(captured.captured_queries) == 2
    assert "2030" in captured.captured_queries[1]["sql"]

    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert row_count(connection, _BUMP, [2030]) == 1
    assert seen == [_BUMP.sql]
