"""Case numbers `YYYY-NNNNNN`: sequential per year, unique and without gaps.

The counter row is incremented inside the transaction that creates the case, so the row
lock serialises concurrent creators and a rolled-back case gives its number back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casedesk.cases.models import CaseNumberCounter
from casedesk.core.fastsql import Statement, fetch_one


def format_case_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


# UPDATE .. RETURNING (PostgreSQL, SQLite >= 3.35) takes the row lock and reads the new
# value in one statement; the row is created by the first case of a year.
_INCREMENT = Statement(
    f'UPDATE "{CaseNumberCounter._meta.db_table}" SET "last" = "last" + 1 '  # noqa: S608 - table name from our model, values bound
    'WHERE "year" = %s RETURNING "last"'
)


def allocate_case_number(at: datetime) -> str:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_case_number must run inside the case's transaction")
    year = timezone.localtime(at).year
    row = fetch_one(connection, _INCREMENT, [year])
    if row is None:
        # INSERT .. ON CONFLICT DO NOTHING: racing the first case of a year does not abort
        # this transaction with an IntegrityError.
        CaseNumberCounter.objects.bulk_create([CaseNumberCounter(year=year)], ignore_conflicts=True)
        row = fetch_one(connection, _INCREMENT, [year])
    if row is None:
        raise RuntimeError(f"no case number counter for {year}")
    return format_case_number(year, int(row[0]))
