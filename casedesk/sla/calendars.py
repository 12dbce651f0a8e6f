"""Calendars from the database as pure business-time calendars, cached per version."""

from __future__ import annotations

from datetime import date

from casedesk.sla import businesstime as bt
from casedesk.sla.models import Calendar, CalendarException, OpeningHours

_CACHE_LIMIT = 256
_cache: dict[tuple[int, int], bt.Calendar] = {}


def business_calendar(calendar: Calendar) -> bt.Calendar:
    """The calendar's hours and exceptions; reused while its version is unchanged.

    Reusing the same object matters: businesstime caches converted weeks per calendar.
    """
    key = (calendar.pk, calendar.version)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    weekly: list[list[bt.Interval]] = [[] for _ in range(7)]
    for hours in OpeningHours.objects.filter(calendar_id=calendar.pk):
        weekly[hours.weekday].append(bt.wall_interval(hours.opens, hours.closes))
    dated: dict[date, list[bt.Interval]] = {}
    for exception in CalendarException.objects.filter(calendar_id=calendar.pk):
        intervals = dated.setdefault(exception.date, [])
        if exception.opens is not None and exception.closes is not None:
            intervals.append(bt.wall_interval(exception.opens, exception.closes))
    result = bt.Calendar(
        calendar.time_zone,
        tuple(tuple(day) for day in weekly),
        tuple((day, tuple(intervals)) for day, intervals in sorted(dated.items())),
    )
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = result
    return result


def round_the_clock(calendar: Calendar) -> bt.Calendar:
    """For targets in calendar minutes (24/7): every second counts, in the calendar's zone."""
    return bt.Calendar.always_open(calendar.time_zone)


def clear_cache() -> None:
    """Forget converted calendars (tests roll back and reuse ids and versions)."""
    _cache.clear()
