"""Configuration that case writes and lists read on every request and that rarely changes
(intake fields, webhook endpoints, products, agents' names, SLA targets), kept in process
memory until it changes.

Every entry remembers the configuration version it was loaded under: the number in one row
(`ConfigVersion`) that each change raises in its own transaction. A read compares that number
(a single-row SELECT by primary key, some 20 µs) and reloads when it moved, so a change made
by any process counts in every process from its commit on. That makes the cache safe for
settings that later changes must be consistent with, like SLA targets: a policy change
retargets the open cases, and no process plans a new case on the old targets afterwards.

Saving or deleting a registered model raises the version by signal. Writes that send no
signals (bulk_create, QuerySet.update, raw SQL) call `changed()` themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from casedesk.core.fastsql import Statement, fetch_one

T = TypeVar("T")
# Keys include ids (a product's intake fields); a bound keeps memory flat.
LIMIT = 1024

_entries: dict[Hashable, tuple[int, Any]] = {}
_lock = threading.Lock()
# Per thread: whether a request snapshot is active, and the version it read.
_snapshot = threading.local()


_VERSION = Statement("SELECT number FROM core_configversion WHERE id = 1")


def current_version() -> int:
    row = fetch_one(transaction.get_connection(), _VERSION, ())
    return int(row[0]) if row else 0


@contextmanager
def request_snapshot() -> Iterator[None]:
    """One web request reads the configuration version once, not once per cached read
    (opening a case makes four). The request then works with one configuration, as a
    change committed meanwhile counts from the next request on; changes it makes itself
    count at once (`changed` drops the snapshot).

    A version read inside a transaction is not kept: it may be that transaction's own
    uncommitted change, and a rollback would leave the snapshot naming it.
    """
    _snapshot.active, _snapshot.version = True, None
    try:
        yield
    finally:
        _snapshot.active, _snapshot.version = False, None


def _version() -> int:
    if not getattr(_snapshot, "active", False):
        return current_version()
    version: int | None = _snapshot.version
    if version is None:
        version = current_version()
        if not transaction.get_connection().in_atomic_block:
            _snapshot.version = version
    return version


def cached(key: Hashable, load: Callable[[], T]) -> T:
    # Read before loading: a change committed in between makes the entry stale, not wrong.
    version = _version()
    entry = _entries.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        if len(_entries) >= LIMIT:
            _entries.clear()
        _entries[key] = (version, value)
    return value


def changed() -> None:
    """Record a configuration change, in the caller's transaction when there is one."""
    with connection.cursor() as cursor:
        # An upsert, so that a flushed table (tests) or a fresh database needs no seeding.
        cursor.execute(
            "INSERT INTO core_configversion (id, number) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET number = core_configversion.number + 1"
        )
    clear()


def _forget_all() -> None:
    with _lock:
        _entries.clear()


def clear() -> None:
    """Forget this process's entries (the next reads load afresh)."""
    _snapshot.version = None
    _forget_all()
    if connection.in_atomic_block:
        # Entries loaded inside the transaction saw the change; a rollback undoes it.
        # (Not `clear` itself: a hook run inside a test's transaction would queue it again.)
        transaction.on_commit(_forget_all)


def _on_change(*args: Any, **kwargs: Any) -> None:
    changed()


def _on_m2m_change(action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        changed()


def track_changes(*senders: type[models.Model], unless_only: frozenset[str] = frozenset()) -> None:
    """Count every save or delete of these models, and changes of their own many-to-many
    fields, as a configuration change; a save of only the `unless_only` fields is none."""

    def on_save(update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
        if not (unless_only and update_fields and update_fields <= unless_only):
            changed()

    for sender in senders:
        uid = f"configcache-{sender._meta.label}"
        post_save.connect(on_save, sender=sender, dispatch_uid=uid + "-save", weak=False)
        post_delete.connect(_on_change, sender=sender, dispatch_uid=uid + "-delete")
        for field in sender._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m_change, sender=through, dispatch_uid=f"{uid}-{field.name}")
