"""SQLite: new cases and messages join the full-text index in batches, not one by one.

FTS5 writes a new index segment per transaction: indexing inside the transaction that opens
a case doubled the pages that transaction writes, under the database's one write lock. So
rows are indexed in id order up to a watermark per table (`cases_search_progress`, made by
migration 0013). Rows at or below it are kept current by triggers (edits and deletions, and
an insert with an id someone chose below it); rows above it wait for `index_backlog()`,
which the worker runs every minute and every search runs before it reads the index, so a
search sees every committed case and message (unless more than a batch waits, when the
worker is down).

SQLite hands out ids in commit order (one writer at a time, AUTOINCREMENT), so every row
above the watermark is unindexed and every row at or below it is indexed. PostgreSQL keeps
its GIN indexes itself; there this module does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, connections, transaction

log = logging.getLogger(__name__)
BATCH = 2000  # rows per transaction: other writers wait for at most one batch


@dataclass(frozen=True)
class Source:
    name: str
    table: str
    column: str

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    @property
    def watermark(self) -> str:
        query = "SELECT last_id FROM cases_search_progress WHERE source = "
        return f"({query}'{self.name}')"

    def triggers(self, *, guarded: bool) -> list[str]:
        """The triggers that keep indexed rows current; unguarded, those of migration 0004
        (every row, for an index without a watermark)."""
        fts, column, table = self.fts, self.column, self.table
        # Names from SOURCES only, never from input.
        delete = (
            f"INSERT INTO {fts}({fts}, rowid, {column}) "  # noqa: S608
            f"VALUES ('delete', old.id, old.{column});"
        )
        add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"  # noqa: S608
        when_new = f" WHEN new.id <= {self.watermark}" if guarded else ""
        when_old = f" WHEN old.id <= {self.watermark}" if guarded else ""
        return [
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table}{when_new} "
            f"BEGIN {add} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table}{when_old} "
            f"BEGIN {delete} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table}"
            f"{when_old} BEGIN {delete} {add} END",
        ]


SOURCES = (
    Source("case", "cases_case", "subject"),
    Source("message", "cases_message", "body"),
)
# One read tells which tables have rows waiting: both maxima come from the rowid B-trees.
BEHIND_SQL = ", ".join(
    f"(SELECT coalesce(max(id), 0) FROM {s.table}) > {s.watermark}"  # noqa: S608 - SOURCES
    for s in SOURCES
)


def ensure_triggers(using: str = "default") -> None:
    """After every migrate: SQLite rebuilds a table for many schema changes (AlterField, a
    new constraint), which drops its triggers and sets its AUTOINCREMENT counter back to
    the highest id left. Put both back, so the watermark stays exact."""
    db = connections[using]
    if db.vendor != "sqlite" or "cases_search_progress" not in db.introspection.table_names():
        return
    with transaction.atomic(using=using), db.cursor() as cursor:
        for source in SOURCES:
            for sql in source.triggers(guarded=True):
                cursor.execute(sql)
            # Ids must keep growing past the watermark: a new row at or below it would be
            # left to the insert trigger, above it to the batches, never to neither.
            cursor.execute(
                f"UPDATE sqlite_sequence SET seq = max(seq, {source.watermark}) "  # noqa: S608
                "WHERE name = %s",
                [source.table],
            )


def _index_batch(source: Source) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        # Read by a write: the batch then holds the write lock from its first statement,
        # whatever transaction mode the connection was configured with.
        cursor.execute(
            "UPDATE cases_search_progress SET last_id = last_id WHERE source = %s "
            "RETURNING last_id",
            [source.name],
        )
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


def index_backlog(*, max_batches: int | None = None) -> int:
    """Index what was committed since the last call, up to `max_batches` batches per table
    (all of it by default); returns how many rows."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {BEHIND_SQL}")
        behind = cursor.fetchone()
    indexed = 0
    for source in (source for source, waits in zip(SOURCES, behind, strict=True) if waits):
        batches = 0
        while max_batches is None or batches < max_batches:
            count = _index_batch(source)
            indexed += count
            batches += 1
            if count < BATCH:
                break
    return indexed


def catch_up_before_search() -> None:
    """A search first indexes what waits (one batch per table: the worker takes a larger
    backlog). Should the write lock stay taken past the timeout, the search goes on with
    the index as it is: a slightly stale answer beats an error."""
    try:
        index_backlog(max_batches=1)
    except DatabaseError:
        log.warning("search index not caught up before a search", exc_info=True)


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
