"""Keeping SQLite's query planner informed.

SQLite chooses between indexes from the statistics ANALYZE leaves; without them it guesses,
and with two partial indexes of the same condition (the queue and the rank order) a guess
can walk the wrong one and sort a whole table. PostgreSQL's autovacuum keeps its own
statistics, so this only runs on SQLite. `analysis_limit` samples each index instead of
reading it whole: milliseconds even with a million cases.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def refresh_planner_statistics(using: str = "default") -> bool:
    """Returns whether anything was done (False on databases that keep their own)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return True


def after_migrate(using: str = "default", **kwargs: Any) -> None:
    refresh_planner_statistics(using)
