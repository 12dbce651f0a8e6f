"""Business-time arithmetic: how much of a support calendar's open time lies between instants.

Pure Python (stdlib only) so SLA timers, reports and benchmarks can use it without Django.

Semantics, which the SLA timers rely on:

* A ``Calendar`` is an IANA time zone plus local wall-clock opening intervals per weekday
  (0 = Monday .. 6 = Sunday). A dated exception *replaces* that date's intervals; an empty
  exception closes the whole day.
* An interval is a half-open pair ``(start, end)`` of seconds since local midnight with
  ``0 <= start < end <= 86400``; 86400 is the following midnight, so a day can stay open to its
  very end. A closing instant itself is closed.
* A wall-clock time stands for the *first instant at which the zone's clock shows that time or
  later*. A time inside the spring-forward gap therefore stands for the transition instant
  (02:00-03:00 on that night is empty, 01:00-05:00 lasts 3 real hours), and a time repeated in
  autumn stands for its first occurrence (02:00-03:00 lasts 2 real hours, a 24/7 day lasts 25).
  The mapping is monotonic, so intervals are never negative and consecutive days tile the time
  line without gaps or overlaps.
* Instants are counted in whole seconds: inputs are truncated to the second. Every function
  takes aware datetimes in any zone (naive ones raise ``ValueError``) and returns aware
  datetimes in UTC. Not in the calendar's zone: Python compares and subtracts two datetimes
  that share a tzinfo by wall clock, ignoring ``fold``, which is wrong in the repeated autumn
  hour; UTC values are safe to compare, subtract and store.
* Cost grows with the number of weeks spanned, never with seconds: days are converted to
  instants once per (calendar, week) and cached, and whole weeks are skipped by their totals.
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_SECONDS",
    "HORIZON_WEEKS",
    "Calendar",
    "Hours",
    "Interval",
    "NeverOpenError",
    "add_business_days",
    "add_business_minutes",
    "add_business_seconds",
    "business_minutes_between",
    "business_seconds_between",
    "is_open_at",
    "next_opening",
    "wall_interval",
]

DAY_SECONDS = 86_400
# How far ahead to look for open time before deciding a calendar never opens (~3 years).
HORIZON_WEEKS = 157

Interval = tuple[int, int]
Hours = tuple[Interval, ...]

_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()


class NeverOpenError(ValueError):
    """The calendar has no open time within the search horizon, so no due time exists."""


def _normalize_hours(raw: Iterable[Interval]) -> Hours:
    # Sorting and merging makes equal schedules compare (and hash, and cache) equal however
    # they were entered, and lets the day builder assume disjoint ascending intervals.
    merged: list[list[int]] = []
    for start, end in sorted((operator.index(s), operator.index(e)) for s, e in raw):
        if not 0 <= start < end <= DAY_SECONDS:
            raise ValueError(f"interval ({start}, {end}) needs 0 <= start < end <= {DAY_SECONDS}")
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def wall_interval(start: time, end: time) -> Interval:
    """Turn wall-clock times into an ``Interval``; an end of 00:00 means the following midnight."""
    for moment in (start, end):
        if moment.tzinfo is not None or moment.microsecond:
            raise ValueError("opening times must be naive whole-second wall-clock times")
    start_s = start.hour * 3600 + start.minute * 60 + start.second
    end_s = end.hour * 3600 + end.minute * 60 + end.second
    return start_s, end_s or DAY_SECONDS


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours in a time zone plus dated exceptions; hashable so it can key caches.

    ``weekly`` holds 7 tuples of intervals, Monday first; ``exceptions`` holds
    ``(date, intervals)`` pairs that replace the weekly hours of that date. Both are normalised
    (sorted, merged, validated) on construction.
    """

    tz: str
    weekly: tuple[Hours, ...]
    exceptions: tuple[tuple[date, Hours], ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _overrides: dict[date, Hours] = field(init=False, repr=False, compare=False)
    _opens: bool = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        weekly = tuple(_normalize_hours(hours) for hours in self.weekly)
        if len(weekly) != 7:
            raise ValueError(f"weekly needs 7 days of hours (Monday first), got {len(weekly)}")
        overrides: dict[date, Hours] = {}
        for day, hours in self.exceptions:
            # datetime is a date subclass but never equal to one, so it would silently not match.
            if type(day) is not date:
                raise TypeError(f"exception keys must be dates, got {day!r}")
            if day in overrides:
                raise ValueError(f"two exceptions for {day.isoformat()}")
            overrides[day] = _normalize_hours(hours)
        exceptions = tuple(sorted(overrides.items()))
        opens = any(weekly) or any(overrides.values())
        setattr_ = object.__setattr__  # frozen: normalised values can only be set this way
        setattr_(self, "weekly", weekly)
        setattr_(self, "exceptions", exceptions)
        setattr_(self, "zone", zone)
        setattr_(self, "_overrides", overrides)
        setattr_(self, "_opens", opens)
        # Cached because every cache lookup hashes the calendar; the generated hash would
        # re-walk all exceptions each time.
        setattr_(self, "_hash", hash((self.tz, weekly, exceptions)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def from_hours(
        cls,
        tz: str,
        weekly: Mapping[int, Iterable[tuple[time, time]]],
        exceptions: Mapping[date, Iterable[tuple[time, time]]] | None = None,
    ) -> Calendar:
        """Build from wall-clock times, e.g. ``{0: [(time(8), time(16))], ...}``; missing days
        are closed and an end of ``time(0)`` means midnight at the end of the day."""
        days: list[Hours] = [()] * 7
        for weekday, pairs in weekly.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday}")
            days[weekday] = tuple(wall_interval(start, end) for start, end in pairs)
        dated = tuple(
            (day, tuple(wall_interval(start, end) for start, end in pairs))
            for day, pairs in (exceptions or {}).items()
        )
        return cls(tz, tuple(days), dated)

    @classmethod
    def always_open(cls, tz: str) -> Calendar:
        """A 24/7 calendar: business time equals real elapsed time."""
        return cls(tz, (((0, DAY_SECONDS),),) * 7)


@dataclass(frozen=True, slots=True)
class _Day:
    start: int  # epoch second at which the local day begins
    end: int  # epoch second at which the next local day begins
    spans: tuple[Interval, ...]  # open [s, e) in epoch seconds: ascending, disjoint, non-empty
    total: int


@dataclass(frozen=True, slots=True)
class _Week:
    days: tuple[_Day, ...]  # Monday first
    cum: tuple[int, ...]  # cum[i] = open seconds in days[:i]; cum[7] is the week's total


def _offset(moment: datetime) -> int:
    delta = moment.utcoffset()
    if delta is None:
        raise ValueError(f"{moment!r} has no UTC offset")
    return delta // _SECOND


def _first_instant(zone: ZoneInfo, day: date, second: int) -> int:
    """Epoch second at which the zone's clock first shows ``second`` past midnight of ``day``
    or later."""
    local = (day.toordinal() - _EPOCH_ORDINAL) * DAY_SECONDS + second
    # Aware + timedelta is wall-clock arithmetic with fold=0, which is what is wanted here.
    wall = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(seconds=second)
    before = _offset(wall)
    after = _offset(wall.replace(fold=1))
    if after <= before:
        # Unambiguous, or repeated in autumn, where fold=0 is the first time the clock shows it.
        return local - before
    # In a spring-forward gap the clock never shows this time; it jumps past it at the
    # transition, which lies in (local - after, local - before]. Gaps are short and days are
    # cached, so a bisection on whole seconds is cheap and needs no knowledge of tz rules.
    low, high = local - after, local - before
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(datetime.fromtimestamp(mid, zone)) == before:
            low = mid
        else:
            high = mid
    return high


def _build_day(cal: Calendar, day: date, start: int, end: int) -> _Day:
    spans: list[Interval] = []
    for open_s, close_s in cal._overrides.get(day, cal.weekly[day.weekday()]):
        begin = _first_instant(cal.zone, day, open_s)
        finish = _first_instant(cal.zone, day, close_s)
        if finish <= begin:
            continue  # the whole interval fell into a spring-forward gap
        if spans and spans[-1][1] == begin:
            spans[-1] = (spans[-1][0], finish)
        else:
            spans.append((begin, finish))
    return _Day(start, end, tuple(spans), sum(e - s for s, e in spans))


@lru_cache(maxsize=8192)
def _week(cal: Calendar, monday: int) -> _Week:
    days: list[_Day] = []
    cum = [0]
    start = _first_instant(cal.zone, date.fromordinal(monday), 0)
    for ordinal in range(monday, monday + 7):
        day = date.fromordinal(ordinal)
        end = _first_instant(cal.zone, day, DAY_SECONDS)
        days.append(_build_day(cal, day, start, end))
        cum.append(cum[-1] + days[-1].total)
        start = end
    return _Week(tuple(days), tuple(cum))


def _monday(ordinal: int) -> int:
    return ordinal - (ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday


def _locate(cal: Calendar, t: int) -> tuple[int, _Week, int]:
    """(Monday ordinal, week, weekday index) of the local day whose window holds ``t``."""
    ordinal = datetime.fromtimestamp(t, cal.zone).toordinal()
    while True:
        monday = _monday(ordinal)
        week = _week(cal, monday)
        day = week.days[ordinal - monday]
        # The clock's date and the day windows disagree only where a zone repeats or skips
        # midnight itself; step until the windows, which tile the time line, agree.
        if t < day.start:
            ordinal -= 1
        elif t >= day.end:
            ordinal += 1
        else:
            return monday, week, ordinal - monday


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"business time needs an aware datetime, got naive {moment!r}")
    return (moment - _EPOCH) // _SECOND


def _open_before(day: _Day, t: int) -> int:
    """Open seconds of ``day`` in [day.start, t)."""
    done = 0
    for start, end in day.spans:
        if t <= start:
            break
        done += (end if end < t else t) - start
    return done


def _instant_after(day: _Day, amount: int) -> int:
    """Earliest instant at which ``amount`` (0 < amount <= day.total) open seconds of ``day``
    have elapsed; landing exactly on a closing time yields that closing time."""
    for start, end in day.spans:
        if amount <= end - start:
            return start + amount
        amount -= end - start
    raise AssertionError("amount exceeds the day's open time")


def add_business_seconds(cal: Calendar, start: datetime, seconds: int) -> datetime:
    """The earliest instant by which ``seconds`` of open time have elapsed since ``start``.

    Adding 0 returns ``start`` itself (in UTC), even when closed. Raises
    ``NeverOpenError`` if the calendar has no open time within ``HORIZON_WEEKS``.
    """
    seconds = operator.index(seconds)
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    t = _epoch(start)
    if seconds == 0:
        return start.astimezone(UTC)
    if not cal._opens:
        raise NeverOpenError(f"calendar {cal.tz} has no opening hours")
    monday, week, index = _locate(cal, t)
    # Count the target from the start of the week, so one bisection over the cumulative day
    # totals finds its day, and whole weeks are skipped by their totals.
    target = week.cum[index] + _open_before(week.days[index], t) + seconds
    idle_weeks = 0
    while target > week.cum[7]:
        target -= week.cum[7]
        idle_weeks = 0 if week.cum[7] else idle_weeks + 1
        if idle_weeks > HORIZON_WEEKS:
            raise NeverOpenError(f"calendar {cal.tz} has no open time within {HORIZON_WEEKS} weeks")
        monday += 7
        week = _week(cal, monday)
    index = bisect_left(week.cum, target) - 1
    instant = _instant_after(week.days[index], target - week.cum[index])
    return datetime.fromtimestamp(instant, UTC)


def add_business_minutes(cal: Calendar, start: datetime, minutes: int) -> datetime:
    """``add_business_seconds`` with a target in whole minutes."""
    return add_business_seconds(cal, start, operator.index(minutes) * 60)


def business_seconds_between(cal: Calendar, a: datetime, b: datetime) -> int:
    """Open seconds in [a, b); negative (minus the open seconds in [b, a)) when b < a, so
    ``between(a, c) == between(a, b) + between(b, c)`` for any three instants."""
    start, end = _epoch(a), _epoch(b)
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    monday, week, index = _locate(cal, start)
    end_monday, end_week, end_index = _locate(cal, end)
    # Both instants measured from the start of start's week; whole weeks in between count
    # by their cached totals.
    total = end_week.cum[end_index] + _open_before(end_week.days[end_index], end)
    total -= week.cum[index] + _open_before(week.days[index], start)
    while monday < end_monday:
        total += _week(cal, monday).cum[7]
        monday += 7
    return sign * total


def business_minutes_between(cal: Calendar, a: datetime, b: datetime) -> int:
    """``business_seconds_between`` in whole minutes, truncated toward zero."""
    seconds = business_seconds_between(cal, a, b)
    return seconds // 60 if seconds >= 0 else -(-seconds // 60)


def is_open_at(cal: Calendar, at: datetime) -> bool:
    """Whether ``at`` lies inside an opening interval (opening instant open, closing closed)."""
    t = _epoch(at)
    _, week, index = _locate(cal, t)
    return any(start <= t < end for start, end in week.days[index].spans)


def next_opening(cal: Calendar, at: datetime) -> datetime | None:
    """``at`` itself (in UTC) if open, else the next opening instant; None if
    the calendar does not open within ``HORIZON_WEEKS``."""
    t = _epoch(at)
    if not cal._opens:
        return None
    monday, week, index = _locate(cal, t)
    for start, end in week.days[index].spans:
        if start <= t < end:
            return at.astimezone(UTC)
        if t < start:
            return datetime.fromtimestamp(start, UTC)
    for _ in range(HORIZON_WEEKS + 1):
        if week.cum[7] > week.cum[index + 1]:
            for day in week.days[index + 1 :]:
                if day.spans:
                    return datetime.fromtimestamp(day.spans[0][0], UTC)
        monday += 7
        week = _week(cal, monday)
        index = -1
    return None


def _clamp_to_day(day: _Day, t: int) -> int:
    """``t`` if the day is open then; before opening its first opening, otherwise the closing
    time of the last interval that ended by ``t`` (so a time in a lunch break or after hours
    becomes the closing time before it)."""
    if t <= day.spans[0][0]:
        return day.spans[0][0]
    closing = day.spans[0][0]
    for start, end in day.spans:
        if start <= t < end:
            return t
        if end <= t:
            closing = end
    return closing


def add_business_days(cal: Calendar, start: datetime, days: int) -> datetime:
    """The same local wall time as ``start`` on the ``days``-th following day that has open
    time, moved to that day's opening if earlier and to its closing if after hours.

    "Following" counts from the local day holding ``start``, whether that day is open or not,
    so Friday 15:00 plus 3 on a Mon-Fri calendar is Wednesday 15:00 and Saturday 10:00 plus 1
    is Monday 10:00 (clamped to opening or closing). A day whose intervals all fall into a
    spring-forward gap has no open time and is skipped. Adding 0 returns ``start`` itself (in
    UTC). Raises ``NeverOpenError`` if no open day follows within ``HORIZON_WEEKS``. Cost grows
    with the number of weeks spanned.
    """
    days = operator.index(days)
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    t = _epoch(start)
    if days == 0:
        return start.astimezone(UTC)
    if not cal._opens:
        raise NeverOpenError(f"calendar {cal.tz} has no opening hours")
    monday, week, index = _locate(cal, t)
    local = datetime.fromtimestamp(t, cal.zone)
    wall = local.hour * 3600 + local.minute * 60 + local.second
    remaining = days
    index += 1  # the start's own day never counts
    idle_weeks = 0
    while True:
        open_days = [i for i in range(index, 7) if week.days[i].spans]
        if remaining <= len(open_days):
            i = open_days[remaining - 1]
            moment = _first_instant(cal.zone, date.fromordinal(monday + i), wall)
            return datetime.fromtimestamp(_clamp_to_day(week.days[i], moment), UTC)
        remaining -= len(open_days)
        idle_weeks = 0 if open_days else idle_weeks + 1
        if idle_weeks > HORIZON_WEEKS:
            raise NeverOpenError(f"calendar {cal.tz} has no open day within {HORIZON_WEEKS} weeks")
        monday += 7
        week = _week(cal, monday)
        index = 0
