"""PostgreSQL: timestamps read in psycopg's C loader, not Django's Python one.

Django reads every `timestamptz` with a Python subclass of psycopg's loader (to set the
connection's zone), which parses each value in Python: about 6 µs a value on our machines,
a millisecond of a 50-case list page, which reads up to five per case. psycopg's own
loader does the same in C. With the session in UTC (Django sets it so when USE_TZ is on and
TIME_ZONE is unset) both give the same aware datetime in `datetime.timezone.utc`; this
loader makes sure of that zone, and Django, which compares its `timezone` with the
connection's, leaves it in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def _loader_class() -> type[Any]:
    from psycopg import adapters
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    # The C implementation where psycopg has one (psycopg[binary] or psycopg[c]).
    found = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    if found is None:
        raise RuntimeError("psycopg has no timestamptz loader")
    native: type[Any] = found

    class UtcTimestamptzLoader(Loader):
        timezone = UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._native = native(oid, context)

        def load(self, data: Any) -> datetime:
            value: datetime = self._native.load(data)
            return value if value.tzinfo is UTC else value.astimezone(UTC)

    return UtcTimestamptzLoader


_loader: type[Any] | None = None


def use_native_timestamps(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: on a PostgreSQL connection whose Django zone is UTC."""
    global _loader
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    if _loader is None:
        _loader = _loader_class()
    connection.connection.adapters.register_loader("timestamptz", _loader)
