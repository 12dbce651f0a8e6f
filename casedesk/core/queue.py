"""The embedded job queue: Huey's SQLite storage at the main database's durability.

Huey's SQLite storage leaves SQLite's default `synchronous=FULL`, so every queued job waits
for an fsync of the queue's WAL: 1.2-1.6 ms on our machines, a quarter of an API request that
opens a case and most of what storing an inbound mail costs. The main database already runs
WAL with `synchronous=NORMAL` (settings.py): a crashed process loses nothing, a power loss
may lose the last transactions. The queue now makes the same promise (0.1-0.2 ms per job), as
Redis with its default persistence does for scaled-out installations. After a power loss,
stored inbound mail and due webhook deliveries are picked up again by their periodic sweeps;
a lost acknowledgement job is not resent, as with Redis.
"""

from __future__ import annotations

import sqlite3

from huey import SqliteHuey
from huey.storage import SqliteStorage


class NormalSyncSqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = super()._create_connection()
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn


class CasedeskSqliteHuey(SqliteHuey):
    storage_class = NormalSyncSqliteStorage
