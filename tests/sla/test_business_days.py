"""Adding whole business days: same wall time on the N-th following open day, clamped to its hours.

Pure Python, no Django and no database, like test_businesstime.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.sla.businesstime import (
    Calendar,
    Hours,
    NeverOpenError,
    add_business_days,
)

H = 3600
OSLO = ZoneInfo("Europe/Oslo")
OFFICE = ((8 * H, 16 * H),)
MON_FRI = (OFFICE,) * 5 + ((), ())
NO = Calendar(
    "Europe/Oslo",
    MON_FRI,
    # Easter 2024 (Thu, Fri, Mon closed), a half day before it, and Christmas.
    (
        (date(2024, 3, 27), ((8 * H, 12 * H),)),
        (date(2024, 3, 28), ()),
        (date(2024, 3, 29), ()),
        (date(2024, 4, 1), ()),
        (date(2024, 12, 24), ()),
        (date(2024, 12, 25), ()),
        (date(2024, 12, 26), ()),
    ),
)
SPLIT = Calendar("Europe/Stockholm", (((8 * H, 11 * H), (12 * H, 16 * H)),) * 5 + ((), ()))
NIGHT_IN_GAP = Calendar("Europe/Oslo", (((2 * H, 3 * H),),) * 7)


@pytest.mark.parametrize(
    ("cal", "start", "days", "expected"),
    [
        # The reminder example: Friday 15:00 plus 3 is Wednesday 15:00, plus 7 next Tuesday.
        (NO, "2024-03-08T15:00+01:00", 3, "2024-03-13T15:00:00+01:00"),
        (NO, "2024-03-08T15:00+01:00", 7, "2024-03-19T15:00:00+01:00"),
        # After closing: the closing time; before opening: the opening time.
        (NO, "2024-03-08T18:30+01:00", 1, "2024-03-11T16:00:00+01:00"),
        (NO, "2024-03-08T06:00+01:00", 1, "2024-03-11T08:00:00+01:00"),
        # A start on a closed day counts from the next day.
        (NO, "2024-03-09T10:00+01:00", 1, "2024-03-11T10:00:00+01:00"),
        (NO, "2024-03-10T23:59:59+01:00", 1, "2024-03-11T16:00:00+01:00"),
        # The half day is an open day (clamped to its 12:00), then Easter is skipped and the
        # clocks go forward: same wall time, new offset.
        (NO, "2024-03-26T14:00+01:00", 1, "2024-03-27T12:00:00+01:00"),
        (NO, "2024-03-26T14:00+01:00", 2, "2024-04-02T14:00:00+02:00"),
        (NO, "2024-12-23T09:00+01:00", 1, "2024-12-27T09:00:00+01:00"),
        # Lunch break 11-12: the closing time before it.
        (SPLIT, "2024-03-11T11:30+01:00", 1, "2024-03-12T11:00:00+01:00"),
        (SPLIT, "2024-03-11T12:00+01:00", 1, "2024-03-12T12:00:00+01:00"),
        # The input zone does not matter; the wall time is read in the calendar's zone.
        (NO, "2024-03-08T14:00+00:00", 3, "2024-03-13T15:00:00+01:00"),
        # Whole weeks: 5 open days per week.
        (NO, "2024-01-08T10:00+01:00", 50, "2024-03-18T10:00:00+01:00"),
    ],
)
def test_add_business_days(cal: Calendar, start: str, days: int, expected: str) -> None:
    result = add_business_days(cal, datetime.fromisoformat(start), days)
    assert result.tzinfo is UTC
    assert result.astimezone(cal.zone).isoformat() == expected


def test_day_wholly_inside_the_spring_gap_is_not_an_open_day() -> None:
    # 02:00-03:00 does not exist on 31 March 2024 in Oslo: that Sunday has no open time.
    start = datetime(2024, 3, 30, 2, 30, tzinfo=OSLO)
    result = add_business_days(NIGHT_IN_GAP, start, 1)
    assert result == datetime(2024, 4, 1, 2, 30, tzinfo=OSLO)


def test_zero_days_returns_the_start() -> None:
    start = datetime(2024, 3, 9, 12, 0, tzinfo=OSLO)
    assert add_business_days(NO, start, 0) == start
    assert add_business_days(NO, start, 0).tzinfo is UTC


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match="days must be"):
        add_business_days(NO, datetime(2024, 3, 9, tzinfo=UTC), -1)
    with pytest.raises(ValueError, match="naive"):
        add_business_days(NO, datetime(2024, 3, 9), 1)  # noqa: DTZ001


def test_never_open() -> None:
    start = datetime(2024, 3, 9, tzinfo=UTC)
    with pytest.raises(NeverOpenError):
        add_business_days(Calendar("Europe/Oslo", ((),) * 7), start, 1)
    # Open only on one day in the past: the search gives up after the horizon.
    past_only = Calendar("Europe/Oslo", ((),) * 7, ((date(2020, 1, 6), OFFICE),))
    with pytest.raises(NeverOpenError):
        add_business_days(past_only, start, 1)


def test_sparse_calendar_far_ahead() -> None:
    # One open day a year: found across years, since no gap reaches HORIZON_WEEKS.
    yearly = Calendar(
        "Europe/Oslo",
        ((),) * 7,
        tuple((date(2024 + n, 6, 3), OFFICE) for n in range(3)),
    )
    start = datetime(2024, 1, 1, 9, tzinfo=OSLO)
    assert add_business_days(yearly, start, 3) == datetime(2026, 6, 3, 9, tzinfo=OSLO)


# --- properties against a plain day-by-day reference model -------------------------------

# Whole-hour intervals from 06:00 keep every opening time out of Oslo's 02:00-03:00 gap and
# repeated hour, so the reference model can use plain wall-clock datetimes.
hours_st = st.lists(
    st.tuples(st.integers(6, 22), st.integers(1, 6)).map(
        lambda p: (p[0] * H, min(p[0] + p[1], 24) * H)
    ),
    max_size=2,
).map(lambda xs: tuple(sorted(xs)))
weekly_st = st.lists(hours_st, min_size=7, max_size=7).filter(any)
start_st = st.datetimes(
    min_value=datetime(2023, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _merged(hours: tuple[tuple[int, int], ...]) -> Hours:
    return Calendar("UTC", (hours,) * 7).weekly[0]


def _reference(
    cal: Calendar, weekly: list[tuple[tuple[int, int], ...]], start: datetime, days: int
) -> datetime:
    local = start.astimezone(cal.zone)
    wall = local.hour * H + local.minute * 60 + local.second
    day = local.date()
    while days:
        day += timedelta(days=1)
        if weekly[day.weekday()]:
            days -= 1
    spans = _merged(weekly[day.weekday()])
    if wall <= spans[0][0]:
        chosen = spans[0][0]
    elif any(s <= wall < e for s, e in spans):
        chosen = wall
    else:
        chosen = max(e for s, e in spans if e <= wall)
    midnight = datetime.combine(day, time(0), tzinfo=cal.zone)
    if chosen == 24 * H:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.zone)
    return midnight.replace(hour=chosen // H, minute=chosen % H // 60, second=chosen % 60)


@settings(max_examples=300, deadline=None)
@given(weekly=weekly_st, start=start_st, days=st.integers(1, 40))
def test_matches_day_by_day_reference(
    weekly: list[tuple[tuple[int, int], ...]], start: datetime, days: int
) -> None:
    cal = Calendar("Europe/Oslo", tuple(weekly))
    start = start.replace(microsecond=0)
    assert add_business_days(cal, start, days) == _reference(cal, weekly, start, days)


@settings(max_examples=200, deadline=None)
@given(weekly=weekly_st, start=start_st, days=st.integers(1, 60), more=st.integers(1, 20))
def test_more_days_land_on_later_open_days(
    weekly: list[tuple[tuple[int, int], ...]], start: datetime, days: int, more: int
) -> None:
    cal = Calendar("Europe/Oslo", tuple(weekly))
    first = add_business_days(cal, start, days)
    later = add_business_days(cal, start, days + more)
    first_day = first.astimezone(cal.zone).date()
    later_day = later.astimezone(cal.zone).date()
    assert later_day > first_day
    # Exactly `more` open days lie in (first_day, later_day].
    open_days = sum(
        1
        for n in range(1, (later_day - first_day).days + 1)
        if weekly[(first_day + timedelta(days=n)).weekday()]
    )
    assert open_days == more
