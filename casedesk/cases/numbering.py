"""Case numbers `YYYY-NNNNNN`: sequential per year, unique and without gaps.

The counter row is incremented inside the transaction that creates the case, so the row
lock serialises concurrent creators and a rolled-back case gives its number back.

On PostgreSQL the same statement also takes the case's id from the table's sequence: with
the id known, the case, its first message and its audit row go out together (see
core.fastsql.pipeline) while the row is held.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casedesk.cases.models import Case, CaseNumberCounter
from casedesk.core.fastsql import Statement, fetch_one


def format_case_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


# UPDATE .. RETURNING (PostgreSQL, SQLite >= 3.35) takes the row lock and reads the new
# value in one statement; the row is created by the first case of a year.
_INCREMENT = (
    f'UPDATE "{CaseNumberCounter._meta.db_table}" SET "last" = "last" + 1 '  # noqa: S608 - table name from our model, values bound
    'WHERE "year" = %s RETURNING "last"'
)
_INCREMENTS = {
    "sqlite": Statement(_INCREMENT),
    "postgresql": Statement(
        f"{_INCREMENT}, nextval(pg_get_serial_sequence("
        f"'{Case._meta.db_table}', '{Case._meta.pk.column}'))"
    ),
}


def allocate_case_number(at: datetime) -> tuple[str, int | None]:
    """The next case number of `at`'s year, and on PostgreSQL the new case's id."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_case_number must run inside the case's transaction")
    year = timezone.localtime(at).year
    increment = _INCREMENTS[connection.vendor]
    row = fetch_one(connection, increment, [year])
    if row is None:
        # INSERT .. ON CONFLICT DO NOTHING: racing the first case of a year does not abort
        # this transaction with an IntegrityError. (It reads no row count, so it may run
        # inside the intake's pipeline, see core.fastsql.)
        CaseNumberCounter.objects.bulk_create([CaseNumberCounter(year=year)], ignore_conflicts=True)
        row = fetch_one(connection, increment, [year])
    if row is None:
        raise RuntimeError(f"no case number counter for {year}")
    return format_case_number(year, int(row[0])), (int(row[1]) if len(row) > 1 else None)
