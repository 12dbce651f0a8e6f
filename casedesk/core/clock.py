"""The one place the current time comes from, so tests can freeze it and the demo can play
its cases' histories at the times they claim."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_pinned = threading.local()


def now() -> datetime:
    moment: datetime | None = getattr(_pinned, "moment", None)
    return moment if moment is not None else timezone.now()


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """`now()` is `moment` in this thread until the block ends."""
    previous = getattr(_pinned, "moment", None)
    _pinned.moment = moment
    try:
        yield
    finally:
        _pinned.moment = previous
