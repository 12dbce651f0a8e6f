"""The embedded database's connection settings: WAL, NORMAL durability, and checkpoints that
run every 10,000 pages rather than SQLite's 1,000 (a new case dirties some 25 pages, so the
default checkpointed, with two fsyncs, every 40 cases)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_each_connection_gets_the_pragmas() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's settings; PostgreSQL has its own")
    # As every process's connection is made (the test's own is inside a transaction).
    fresh = connection.get_new_connection(connection.get_connection_params())
    try:
        values = {
            pragma: fresh.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("journal_mode", "synchronous", "wal_autocheckpoint")
        }
    finally:
        fresh.close()
    assert values == {"journal_mode": "wal", "synchronous": 1, "wal_autocheckpoint": 10_000}
