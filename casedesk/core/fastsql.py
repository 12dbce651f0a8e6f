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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

T = TypeVar("T")


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
    return _run(connection, statement, params, lambda cursor: int(cursor.rowcount))
