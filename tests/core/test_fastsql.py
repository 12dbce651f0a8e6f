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
from casedesk.core.fastsql import Statement, fetch_all, fetch_one, pipeline, row_count, send

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


_INSERT_RETURNING = Statement(
    'INSERT INTO "cases_casenumbercounter" ("year", "last") VALUES (%s, %s) RETURNING "last"'
)


@pytest.mark.django_db(transaction=True)
def test_statements_sent_in_a_pipeline_are_answered_as_it_ends(unwatched: None) -> None:
    answers: list[Any] = []
    with transaction.atomic(), pipeline(connection):
        send(connection, _INSERT_RETURNING, [2030, 7], answers.append)
        send(connection, _INSERT_RETURNING, [2031, 8], answers.append)
        # PostgreSQL has not been waited for; SQLite ran each statement as it came.
        assert answers == ([] if connection.vendor == "postgresql" else [(7,), (8,)])
        # A read waits for its own answer, and sees what was sent before it.
        assert fetch_all(connection, _FROM, [2030]) == [(2030, 7), (2031, 8)]
        assert row_count(connection, _BUMP, [2031]) == 1
        send(connection, _FROM, [2040], answers.append)
    assert answers == [(7,), (8,), None]
    assert fetch_all(connection, _FROM, [2030]) == [(2030, 7), (2031, 9)]
    assert CaseNumberCounter.objects.filter(year__gte=2030).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_in_a_pipeline_raises_djangos_error(unwatched: None) -> None:
    answers: list[Any] = []

    def insert_twice() -> None:
        with transaction.atomic(), pipeline(connection):
            send(connection, _INSERT_RETURNING, [2030, 1], answers.append)
            send(connection, _INSERT_RETURNING, [2030, 2], answers.append)
            send(connection, _INSERT_RETURNING, [2031, 3], answers.append)

    with pytest.raises(IntegrityError):
        insert_twice()
    # Nothing of the block was written, and no answer was taken for a row that is not there
    # (SQLite answered the first insert before the second failed).
    assert answers == ([] if connection.vendor == "postgresql" else [(1,)])
    assert fetch_all(connection, _FROM, [2030]) == []
    with transaction.atomic(), pipeline(connection):
        send(connection, _INSERT_RETURNING, [2032, 4], answers.append)
    assert answers[-1] == (4,)
    assert CaseNumberCounter.objects.filter(year__gte=2030).count() == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_pipelined(unwatched: None) -> None:
    # Each statement commits on its own, as it would without the block.
    answers: list[Any] = []
    with pipeline(connection):
        send(connection, _INSERT_RETURNING, [2030, 6], answers.append)
        assert answers == [(6,)]
    assert CaseNumberCounter.objects.filter(year=2030).count() == 1


@pytest.mark.django_db
def test_watched_statements_are_not_pipelined() -> None:
    answers: list[Any] = []
    with CaptureQueriesContext(connection) as captured, pipeline(connection):
        send(connection, _INSERT_RETURNING, [2030, 5], answers.append)
        assert answers == [(5,)]
    assert [q["sql"] for q in captured.captured_queries if "2030" in q["sql"]]
