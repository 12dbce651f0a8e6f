"""Hot statements run on the driver's cursor, without Django's per-statement wrapping.

Django's `cursor()` and `execute()` cost some 20 µs a statement on our machines around the
driver's 6 µs for a single-row read: a new cursor wrapper, thread and health checks, an
error-wrapping context, execute wrappers and, on SQLite, a regex turning `%s` into `?`.
Opening a case runs a dozen prepared statements (core.prepared) and configuration checks
(core.configcache), so that is a tenth of its cost.

`Statement` converts its placeholders once. `fetch_all`, `fetch_one` and `row_count` run it
on the open connection's driver cursor, and take Django's own path whenever it does more
than wrap: when somebody watches the queries (DEBUG, tests counting them, an execute
wrapper), when the connection is not open or not yet health-checked this request, or when
the transaction is broken (Django raises its error). Driver errors come out as Django's
exceptions and mark the connection as Django would.

Inside `pipeline()` on PostgreSQL, `send` puts a statement on the wire without waiting for
its answer (psycopg's pipeline mode): the rows of the statements sent come back together as
the block ends, and each statement's `then` runs with its row. Writes that need no answer
before the next one (a new case, its first message, its audit row) cost one round trip
instead of one each, and the year's case-number row, which every other new case waits for,
is held that much shorter. Elsewhere (SQLite, watched queries) `send` runs its statement at
once: the same statements in the same order, the same results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

T = TypeVar("T")
Row = tuple[Any, ...]


class Statement:
    """SQL with Django's `%s` placeholders, converted once for SQLite's driver."""

    __slots__ = ("qmark_sql", "sql")

    def __init__(self, sql: str) -> None:
        self.sql = sql
        # What Django's SQLite cursor does to every statement (SQLiteCursorWrapper).
        self.qmark_sql = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def _watched(wrapper: BaseDatabaseWrapper) -> bool:
    connection: Any = wrapper  # health checks are missing from the type stubs
    return bool(
        connection.connection is None
        or connection.queries_logged
        or connection.execute_wrappers
        or connection.needs_rollback
        or (connection.health_check_enabled and not connection.health_check_done)
    )


def _run(
    connection: BaseDatabaseWrapper,
    statement: Statement,
    params: Sequence[Any],
    fetch: Callable[[Any], T],
) -> T:
    if _watched(connection):
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return fetch(cursor)
    connection.validate_thread_sharing()
    try:
        # The driver's own cursor on SQLite; on PostgreSQL, Django's choice of driver
        # cursor for this connection (with its time zone loader).
        if connection.vendor == "sqlite":
            cursor, sql = connection.connection.cursor(), statement.qmark_sql
        else:
            cursor, sql = connection.create_cursor(), statement.sql
        try:
            cursor.execute(sql, params)
            return fetch(cursor)
        finally:
            cursor.close()
    except connection.Database.Error:  # type: ignore[attr-defined]
        with connection.wrap_database_errors:
            raise


def fetch_all(
    connection: BaseDatabaseWrapper, statement: Statement, params: Sequence[Any]
) -> list[tuple[Any, ...]]:
    return _run(connection, statement, params, lambda cursor: list(cursor.fetchall()))


def fetch_one(
    connection: BaseDatabaseWrapper, statement: Statement, params: Sequence[Any]
) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = _run(
        connection, statement, params, lambda cursor: cursor.fetchone()
    )
    return row


def row_count(connection: BaseDatabaseWrapper, statement: Statement, params: Sequence[Any]) -> int:
    state = _pipeline_of(connection)

    def count(cursor: Any) -> int:
        if state is not None:
            # psycopg counts the rows once the answer is in: fetching a row waits for it,
            # a statement without rows needs a sync.
            state.driver.sync()
        return int(cursor.rowcount)

    return _run(connection, statement, params, count)


@dataclass
class _Pipeline:
    driver: Any  # psycopg.Pipeline
    answers: list[Callable[[], None]] = field(default_factory=list)


# This thread's open pipelines, by the driver's connection (Django's may come behind a
# proxy, django.db.connection).
_open = threading.local()


def _pipelines() -> dict[int, _Pipeline]:
    try:
        pipelines: dict[int, _Pipeline] = _open.pipelines
    except AttributeError:
        pipelines = _open.pipelines = {}
    return pipelines


def _pipeline_of(connection: BaseDatabaseWrapper) -> _Pipeline | None:
    driver = connection.connection
    if connection.vendor != "postgresql" or driver is None:
        return None
    return _pipelines().get(id(driver))


def _can_pipeline(connection: BaseDatabaseWrapper) -> bool:
    # libpq 14 or later: psycopg-binary brings one, a psycopg built on an older system
    # libpq does not.
    database: Any = connection.Database  # type: ignore[attr-defined]
    driver_pipeline: Any = getattr(database, "Pipeline", None)
    return driver_pipeline is not None and bool(driver_pipeline.is_supported())


@contextmanager
def pipeline(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Statements `send` inside the block go out without waiting for each other (see the
    module's text); their `then` run in order as the block ends (the outermost, if blocks
    nest), after the last answer is in. Only inside a transaction, which makes the block's
    statements one unit as they are elsewhere. Only this module's functions inside: the ORM
    reads row counts, which psycopg has only once the answers are in, and would turn
    autocommit off with a statement in flight."""
    if (
        connection.vendor != "postgresql"
        or not connection.in_atomic_block
        or _watched(connection)
        or _pipeline_of(connection) is not None
        or not _can_pipeline(connection)
    ):
        yield
        return
    connection.validate_thread_sharing()
    driver = connection.connection
    try:
        with driver.pipeline() as pipelined:
            state = _pipelines()[id(driver)] = _Pipeline(pipelined)
            try:
                yield
            finally:
                del _pipelines()[id(driver)]
        for answer in state.answers:
            answer()
    except connection.Database.Error:  # type: ignore[attr-defined]
        with connection.wrap_database_errors:
            raise


def send(
    connection: BaseDatabaseWrapper,
    statement: Statement,
    params: Sequence[Any],
    then: Callable[[Row | None], None],
) -> None:
    """Run `statement` and call `then` with its first row (or None): at once, or inside a
    pipeline as it ends."""
    state = _pipeline_of(connection)
    if state is None:
        then(fetch_one(connection, statement, params))
        return
    cursor = connection.create_cursor()
    try:
        cursor.execute(statement.sql, params)
    except connection.Database.Error:  # type: ignore[attr-defined]
        cursor.close()
        with connection.wrap_database_errors:
            raise

    def answer() -> None:
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        then(row)

    state.answers.append(answer)
