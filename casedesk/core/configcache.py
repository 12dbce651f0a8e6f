"""Configuration that every case write or list reads and that rarely changes (intake fields of
a product, webhook endpoints, product and agent names), kept in process memory for seconds.

The process that changes such a row sees the change at once: saving or deleting one of the
registered models clears this cache. Other processes (web workers, the job worker) see it
within `TTL` seconds. Only for settings where a few seconds of delay are harmless — not for
anything a later change must be consistent with, like SLA targets (a policy change retargets
the open cases at once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

TTL = 5.0
T = TypeVar("T")

_entries: dict[Hashable, tuple[float, Any]] = {}
_lock = threading.Lock()


def cached(key: Hashable, load: Callable[[], T]) -> T:
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and now - entry[0] < TTL:
        return entry[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        _entries[key] = (now, value)
    return value


def _forget_all() -> None:
    with _lock:
        _entries.clear()


def clear(*args: Any, **kwargs: Any) -> None:
    _forget_all()
    if connection.in_atomic_block:
        # Save signals come before the commit: a read in between may cache the old rows.
        transaction.on_commit(_forget_all)


def clear_on_change(*senders: type[models.Model]) -> None:
    """Clear the cache whenever a row of these models is saved or deleted in this process."""
    for sender in senders:
        uid = f"configcache-{sender._meta.label}"
        post_save.connect(clear, sender=sender, dispatch_uid=uid + "-save")
        post_delete.connect(clear, sender=sender, dispatch_uid=uid + "-delete")
    m2m_changed.connect(clear, dispatch_uid="configcache-m2m")
