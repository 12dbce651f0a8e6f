"""Per-token rate limits: a fixed-window counter shared by every web process.

With Redis the counter is a cache key (INCR). Without it, a row per token and window is
counted up by one upsert statement: in the database's unlogged table on PostgreSQL, and on
SQLite in a small file of its own. SQLite has one write lock per database file, and a count
is a write: in the main file every API request, reads included, would queue behind the case
being opened in another process, on SQLite's busy timeout that sleeps 1, 2, 5, 10 … ms
between tries (a 20-200 ms tail under eight writing clients). The counts' own file keeps no
promise over a power loss (`synchronous=OFF`), like the unlogged table: a count lost is a
few requests more in one window.

Either way the limit holds across gunicorn workers. A fixed window may let a client burst
up to twice the limit across a window boundary; that is enough to protect the server.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from casedesk.api.models import ApiToken, RateCount

_TABLE = RateCount._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (token_id, bucket, count) VALUES (%s, %s, 1) "  # noqa: S608
    f"ON CONFLICT (token_id, bucket) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count"
)
_FORGET = f"DELETE FROM {_TABLE} WHERE token_id = %s AND bucket < %s"  # noqa: S608


class RateLimited(Exception):
    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(limit, retry_after)
        self.limit = limit
        self.retry_after = retry_after


def limit_for(token: ApiToken) -> int:
    if token.kind == ApiToken.Kind.SERVICE:
        return int(settings.CASEDESK_API_SERVICE_RATE_LIMIT)
    return int(settings.CASEDESK_API_RATE_LIMIT)


def check_rate(token: ApiToken) -> None:
    """Count this request against the token's window; RateLimited once it is used up."""
    window = int(settings.CASEDESK_API_RATE_WINDOW)
    limit = limit_for(token)
    now = time.time()
    bucket = int(now // window)
    if settings.REDIS_URL:
        count = _count_in_cache(token, bucket, window)
    elif connection.vendor == "sqlite":
        count = _counts_file().count(token.token_hash, bucket)
    else:
        count = _count(token, bucket)
    if count > limit:
        raise RateLimited(limit=limit, retry_after=max(1, math.ceil((bucket + 1) * window - now)))


def _count_in_cache(token: ApiToken, bucket: int, window: int) -> int:
    key = f"api-rate:{token.pk}:{bucket}"
    try:
        return int(cache.incr(key))
    except ValueError:
        # First request of the window; `add` keeps a racing request's count if it won.
        return 1 if cache.add(key, 1, timeout=window + 5) else int(cache.incr(key))


def _count(token: ApiToken, bucket: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [token.pk, bucket])
        count = int(cursor.fetchone()[0])
        if count == 1:
            # Once per window: the token's earlier windows are of no use any more.
            cursor.execute(_FORGET, [token.pk, bucket])
    return count


BUSY_TIMEOUT = 30.0  # seconds, as the main database's


class CountsFile:
    """The counters of an SQLite installation, in their own database file.

    Keyed by the token's hash, not its id: the file outlives the main database's ids (a
    restored backup, a test's rolled-back transaction reuse them).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # sqlite3 connections are not shared between threads (gunicorn's gthread workers).
        self._local = threading.local()

    def count(self, key: str, bucket: int) -> int:
        [(count,)] = self._write(
            "INSERT INTO rate_count (token, bucket, count) VALUES (?, ?, 1) "
            "ON CONFLICT (token, bucket) DO UPDATE SET count = count + 1 RETURNING count",
            (key, bucket),
        )
        if count == 1:
            # Once per window: the token's earlier windows are of no use any more.
            self._write("DELETE FROM rate_count WHERE token = ? AND bucket < ?", (key, bucket))
        return int(count)

    def _write(self, sql: str, params: tuple[str, int] | tuple[()]) -> list[tuple[Any, ...]]:
        # A statement holds the file's lock for some 50 µs, but SQLite's busy handler sleeps
        # at least a millisecond after a collision, and eight busy threads collide often.
        # So: no busy handler, and retries after 20 µs, doubling up to 1 ms.
        db = self._connection()
        pause, deadline = 0.00002, time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.001)

    def windows(self, key: str) -> list[tuple[int, int]]:
        """(bucket, count) of each window still kept for the token, oldest first."""
        return (
            self._connection()
            .execute("SELECT bucket, count FROM rate_count WHERE token = ? ORDER BY bucket", (key,))
            .fetchall()
        )

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Autocommit: each statement is its own transaction, holding the lock briefly.
            db = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            self._local.db = db
            self._write("PRAGMA journal_mode=WAL", ())
            db.execute("PRAGMA synchronous=OFF")
            self._write(
                "CREATE TABLE IF NOT EXISTS rate_count (token TEXT NOT NULL, "
                "bucket INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (token, bucket)) "
                "WITHOUT ROWID",
                (),
            )
        return db


_files: dict[Path, CountsFile] = {}
_files_lock = threading.Lock()


def _counts_file() -> CountsFile:
    path = Path(settings.CASEDESK_API_RATE_COUNTS_FILE)
    found = _files.get(path)
    if found is None:
        with _files_lock:
            found = _files.setdefault(path, CountsFile(path))
    return found


def kept_windows(token: ApiToken) -> list[tuple[int, int]]:
    """(bucket, count) of the token's windows in the database or the counts file (not
    Redis, where they expire by themselves)."""
    if connection.vendor == "sqlite":
        return _counts_file().windows(token.token_hash)
    return list(
        RateCount.objects.filter(token=token).order_by("bucket").values_list("bucket", "count")
    )
