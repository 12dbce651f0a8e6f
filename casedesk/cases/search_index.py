"""SQLite: new cases and messages join the full-text index in batches, not one by one.

FTS5 writes a new index segment per transaction: indexing inside the transaction that opens
a case doubled the pages that transaction writes, under the database's one write lock. So
rows are indexed in id order up to a watermark per table (`cases_search_progress`, made by
migration 0013). Rows at or below it are kept current by triggers (edits and deletions, and
an insert with an id someone chose below it); rows above it wait for `index_backlog()`,
which the worker runs every minute and every search runs before it reads the index, so a
search always sees every committed case and message.

SQLite hands out ids in commit order (one writer at a time, AUTOINCREMENT), so every row
above the watermark is unindexed and every row at or below it is indexed. PostgreSQL keeps
its GIN indexes itself; there this module does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

BATCH = 2000  # rows per transaction: other writers wait for at most one batch


@dataclass(frozen=True)
class Source:
    name: str
    table: str
    column: str

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"


SOURCES = (
    Source("case", "cases_case", "subject"),
    Source("message", "cases_message", "body"),
)
# One read tells whether there is anything to do: both maxima come from the rowid B-trees.
BEHIND_SQL = " OR ".join(
    f"(SELECT coalesce(max(id), 0) FROM {s.table}) > "  # noqa: S608 - names from SOURCES
    f"(SELECT last_id FROM cases_search_progress WHERE source = '{s.name}')"
    for s in SOURCES
)


def _index_batch(source: Source) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT last_id FROM cases_search_progress WHERE source = %s", [source.name])
        (last,) = cursor.fetchone()
        cursor.execute(
            f"SELECT max(id), count(*) FROM (SELECT id FROM {source.table} "  # noqa: S608
            "WHERE id > %s ORDER BY id LIMIT %s)",
            [last, BATCH],
        )
        upto, count = cursor.fetchone()
        if not count:
            return 0
        cursor.execute(
            f"INSERT INTO {source.fts} (rowid, {source.column}) "  # noqa: S608
            f"SELECT id, {source.column} FROM {source.table} WHERE id > %s AND id <= %s",
            [last, upto],
        )
        cursor.execute(
            "UPDATE cases_search_progress SET last_id = %s WHERE source = %s", [upto, source.name]
        )
        return int(count)


def index_backlog() -> int:
    """Index every case and message committed since the last call; returns how many."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {BEHIND_SQL}")
        if not cursor.fetchone()[0]:
            return 0
    indexed = 0
    for source in SOURCES:
        while True:
            count = _index_batch(source)
            indexed += count
            if count < BATCH:
                break
    return indexed


def verify_index() -> None:
    """Catch up, then have FTS5 compare each index with its table; raises DatabaseError
    ("database disk image is malformed") where they differ."""
    if connection.vendor != "sqlite":
        return
    index_backlog()
    with connection.cursor() as cursor:
        for source in SOURCES:
            cursor.execute(
                f"INSERT INTO {source.fts}({source.fts}, rank) "  # noqa: S608
                "VALUES ('integrity-check', 1)"
            )
