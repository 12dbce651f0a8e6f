"""Business-time arithmetic: hand-checked cases plus properties against a plain reference model.

Pure Python, no Django and no database, so this module runs with only pytest and hypothesis.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.sla.businesstime import (
    DAY_SECONDS,
    Calendar,
    Hours,
    NeverOpenError,
    add_business_minutes,
    add_business_seconds,
    business_minutes_between,
    business_seconds_between,
    is_open_at,
    next_opening,
)

H = 3600
OFFICE = ((8 * H, 16 * H),)
MON_FRI = (OFFICE,) * 5 + ((), ())
ZONES = [
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Stockholm",
    "Europe/Amsterdam",
    "Europe/Brussels",
]


def closed(*days: str) -> tuple[tuple[date, Hours], ...]:
    return tuple((date.fromisoformat(day), ()) for day in days)


NO_2024_CLOSED = [
    "2024-01-01", "2024-03-28", "2024-03-29", "2024-04-01", "2024-05-01", "2024-05-09",
    "2024-05-17", "2024-05-20", "2024-06-22", "2024-12-24", "2024-12-25", "2024-12-26",
    "2024-12-31", "2025-01-01",
]  # fmt: skip
MON_FRI_SAT = (*MON_FRI[:5], ((10 * H, 14 * H),), ())

CALENDARS = {
    # Seed 000: Mon-Fri 08-16, Norwegian public holidays 2024, closed 24 and 31 December, half
    # day on the Wednesday before Easter, plus a Saturday closure that must change nothing.
    "no": Calendar(
        "Europe/Oslo",
        MON_FRI,
        (*closed(*NO_2024_CLOSED), (date(2024, 3, 27), ((8 * H, 12 * H),))),
    ),
    "nl": Calendar("Europe/Amsterdam", MON_FRI),
    "be": Calendar("Europe/Brussels", MON_FRI),
    # Seed 003: Mon-Fri 09-15.
    "dk": Calendar("Europe/Copenhagen", (((9 * H, 15 * H),),) * 5 + ((), ())),
    "se-split": Calendar("Europe/Stockholm", (((8 * H, 11 * H), (12 * H, 16 * H)),) * 5 + ((), ())),
    "dk-sat": Calendar("Europe/Copenhagen", MON_FRI_SAT),
    "dk-sat-holiday": Calendar("Europe/Copenhagen", MON_FRI_SAT, closed("2024-03-16")),
    "24/7": Calendar.always_open("Europe/Oslo"),
    "night": Calendar("Europe/Oslo", (((1 * H, 5 * H),),) * 7),
}


@pytest.mark.parametrize(
    ("cal", "start", "minutes", "due"),
    [
        # Friday afternoon rolls over the weekend.
        ("no", "2024-03-08T15:30+01:00", 60, "2024-03-11T08:30:00+01:00"),
        # Landing exactly on closing time stays there instead of jumping to the next opening.
        ("no", "2024-03-11T15:00+01:00", 60, "2024-03-11T16:00:00+01:00"),
        ("no", "2024-03-11T08:00+01:00", 480, "2024-03-11T16:00:00+01:00"),
        ("no", "2024-03-11T10:00+01:00", 480, "2024-03-12T10:00:00+01:00"),
        ("no", "2024-03-09T12:00+01:00", 30, "2024-03-11T08:30:00+01:00"),
        ("no", "2024-03-11T06:00+01:00", 15, "2024-03-11T08:15:00+01:00"),
        # The input zone does not matter; the result is in the calendar's zone.
        ("no", "2024-03-08T14:30+00:00", 60, "2024-03-11T08:30:00+01:00"),
        # Half day 08-12, then Easter (Thu, Fri, Mon closed) with the spring-forward Sunday.
        ("no", "2024-03-27T11:30+01:00", 60, "2024-04-02T08:30:00+02:00"),
        # Christmas, and year end: 31 Dec and 1 Jan closed.
        ("no", "2024-12-23T15:30+01:00", 60, "2024-12-27T08:30:00+01:00"),
        ("no", "2024-12-30T15:00+01:00", 120, "2025-01-02T09:00:00+01:00"),
        # A Saturday closure on a Mon-Fri calendar changes nothing.
        ("no", "2024-06-21T15:30+02:00", 60, "2024-06-24T08:30:00+02:00"),
        # 30 business days of 8 h: six whole weeks, ending at Friday's closing time.
        ("no", "2024-01-08T08:00+01:00", 30 * 480, "2024-02-16T16:00:00+01:00"),
        # DST weekends: Monday's hours are unchanged, the UTC offset is not.
        ("nl", "2024-03-29T15:30+01:00", 60, "2024-04-01T08:30:00+02:00"),
        ("be", "2024-10-25T15:30+02:00", 60, "2024-10-28T08:30:00+01:00"),
        ("dk", "2024-03-08T14:55+01:00", 10, "2024-03-11T09:05:00+01:00"),
        # Two intervals a day: the lunch break is skipped; its start is a closing time.
        ("se-split", "2024-03-11T10:30+01:00", 60, "2024-03-11T12:30:00+01:00"),
        ("se-split", "2024-03-11T10:30+01:00", 30, "2024-03-11T11:00:00+01:00"),
        ("se-split", "2024-03-11T15:30+01:00", 240, "2024-03-12T12:30:00+01:00"),
        # Saturday hours, and a holiday that falls on that Saturday.
        ("dk-sat", "2024-03-15T15:30+01:00", 60, "2024-03-16T10:30:00+01:00"),
        ("dk-sat-holiday", "2024-03-15T15:30+01:00", 60, "2024-03-18T08:30:00+01:00"),
        # 24/7 across the DST nights: business time is real elapsed time.
        ("24/7", "2024-03-31T00:30+01:00", 180, "2024-03-31T04:30:00+02:00"),
        ("24/7", "2024-10-27T00:30+02:00", 180, "2024-10-27T02:30:00+01:00"),
        # Nightly 01-05 over the spring gap lasts 3 real hours, so 3 h end at 05:00.
        ("night", "2024-03-31T00:00+01:00", 180, "2024-03-31T05:00:00+02:00"),
        ("night", "2024-10-27T00:00+02:00", 240, "2024-10-27T04:00:00+01:00"),
    ],
)
def test_due_times(cal: str, start: str, minutes: int, due: str) -> None:
    calendar = CALENDARS[cal]
    result = add_business_minutes(calendar, datetime.fromisoformat(start), minutes)
    assert result.tzinfo is UTC
    assert result.astimezone(calendar.zone).isoformat() == due


@pytest.mark.parametrize(
    ("cal", "a", "b", "seconds"),
    [
        ("no", "2024-03-22T16:00+01:00", "2024-03-25T08:00+01:00", 0),
        ("no", "2024-03-11T08:00+01:00", "2024-03-15T16:00+01:00", 40 * H),
        ("no", "2024-03-15T16:00+01:00", "2024-03-11T08:00+01:00", -40 * H),
        ("no", "2024-12-20T12:00+01:00", "2025-01-03T12:00+01:00", 40 * H),
        ("se-split", "2024-03-11T10:00+01:00", "2024-03-11T13:00+01:00", 2 * H),
        ("24/7", "2024-03-25T00:00+01:00", "2024-04-01T00:00+02:00", 167 * H),
        ("24/7", "2024-10-21T00:00+02:00", "2024-10-28T00:00+01:00", 169 * H),
        ("night", "2024-03-30T12:00+01:00", "2024-03-31T12:00+02:00", 3 * H),
        ("night", "2024-10-26T12:00+02:00", "2024-10-27T12:00+01:00", 5 * H),
        ("night", "2024-06-01T12:00+02:00", "2024-06-02T12:00+02:00", 4 * H),
    ],
)
def test_between(cal: str, a: str, b: str, seconds: int) -> None:
    start, end = datetime.fromisoformat(a), datetime.fromisoformat(b)
    assert business_seconds_between(CALENDARS[cal], start, end) == seconds


@pytest.mark.parametrize(
    ("hours", "seconds"),
    [
        ((2 * H, 3 * H), 0),  # wholly inside the gap
        ((2 * H + 1800, 4 * H), H),  # starts inside the gap: opens at the transition
        ((1 * H + 1800, 2 * H + 1800), 1800),  # ends inside the gap: closes at the transition
        ((0, DAY_SECONDS), 23 * H),
    ],
)
def test_intervals_in_the_spring_gap(hours: tuple[int, int], seconds: int) -> None:
    cal = Calendar("Europe/Stockholm", ((hours,),) * 7)
    day = datetime(2024, 3, 31, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert business_seconds_between(cal, day, day + timedelta(days=1)) == seconds


def test_intervals_either_side_of_the_gap_join_up() -> None:
    # 01:00-02:30 ends and 03:00-04:00 starts at the transition instant: one span of 2 h.
    cal = Calendar("Europe/Oslo", (((1 * H, 2 * H + 1800), (3 * H, 4 * H)),) * 7)
    start = datetime.fromisoformat("2024-03-31T01:30+01:00")
    assert is_open_at(cal, datetime.fromisoformat("2024-03-31T03:00+02:00"))
    due = add_business_minutes(cal, start, 60)
    assert due == datetime.fromisoformat("2024-03-31T03:30+02:00")
    assert business_seconds_between(cal, start, due) == H


def test_zone_that_changes_at_midnight() -> None:
    # Santiago falls back from 24:00 to 23:00 and springs forward from 24:00 to 01:00.
    always = Calendar.always_open("America/Santiago")
    autumn = datetime.fromisoformat("2024-04-06T00:00-03:00")
    spring = datetime.fromisoformat("2024-09-07T00:00-04:00")
    assert business_seconds_between(always, autumn, autumn + timedelta(hours=49)) == 49 * H
    assert add_business_minutes(always, spring, 47 * 60) == datetime.fromisoformat(
        "2024-09-09T00:00-03:00"
    )
    # Saturday 22:00-24:00 ends the first time the clock shows Sunday 00:00, after the repeat.
    late = Calendar("America/Santiago", ((),) * 5 + (((22 * H, DAY_SECONDS),), ()))
    assert business_seconds_between(late, autumn, autumn + timedelta(days=2)) == 3 * H
    assert is_open_at(late, datetime.fromisoformat("2024-04-06T23:30-04:00"))


def test_repeated_autumn_hour_counts_twice() -> None:
    cal = Calendar("Europe/Brussels", (((2 * H, 3 * H),),) * 7)
    day = datetime(2024, 10, 27, tzinfo=ZoneInfo("Europe/Brussels"))
    assert business_seconds_between(cal, day, day + timedelta(days=1)) == 2 * H


def test_adding_zero_returns_start_even_when_closed() -> None:
    start = datetime(2024, 3, 9, 12, 0, 0, 123456, tzinfo=UTC)
    assert add_business_seconds(CALENDARS["no"], start, 0) == start


def test_opening_and_closing_instants() -> None:
    cal, zone = CALENDARS["no"], ZoneInfo("Europe/Oslo")
    assert is_open_at(cal, datetime(2024, 3, 11, 8, tzinfo=zone))
    assert is_open_at(cal, datetime(2024, 3, 11, 15, 59, 59, tzinfo=zone))
    assert not is_open_at(cal, datetime(2024, 3, 11, 16, tzinfo=zone))
    saturday = datetime(2024, 3, 9, 12, tzinfo=zone)
    assert next_opening(cal, saturday) == datetime(2024, 3, 11, 8, tzinfo=zone)
    assert next_opening(cal, datetime(2024, 3, 11, 16, tzinfo=zone)) == datetime(
        2024, 3, 12, 8, tzinfo=zone
    )
    monday_noon = datetime(2024, 3, 11, 12, tzinfo=UTC)
    assert next_opening(cal, monday_noon) == monday_noon


def test_minutes_truncate_toward_zero() -> None:
    a = datetime(2024, 3, 11, 8, tzinfo=ZoneInfo("Europe/Oslo"))
    b = a + timedelta(seconds=119)
    assert business_minutes_between(CALENDARS["no"], a, b) == 1
    assert business_minutes_between(CALENDARS["no"], b, a) == -1


def test_calendar_that_never_opens() -> None:
    cal = Calendar("Europe/Oslo", ((),) * 7, closed("2024-03-11"))
    at = datetime(2024, 3, 11, 9, tzinfo=UTC)
    with pytest.raises(NeverOpenError, match="no opening hours"):
        add_business_minutes(cal, at, 15)
    assert next_opening(cal, at) is None
    assert not is_open_at(cal, at)
    assert business_seconds_between(cal, at, at + timedelta(days=400)) == 0


def test_calendar_open_only_on_exception_days() -> None:
    zone = ZoneInfo("Europe/Oslo")
    cal = Calendar("Europe/Oslo", ((),) * 7, ((date(2024, 6, 3), OFFICE),))
    start = datetime(2024, 1, 1, tzinfo=zone)
    assert add_business_minutes(cal, start, 60) == datetime(2024, 6, 3, 9, tzinfo=zone)
    assert next_opening(cal, start) == datetime(2024, 6, 3, 8, tzinfo=zone)
    with pytest.raises(NeverOpenError, match="within"):
        add_business_minutes(cal, start, 9 * 60)
    assert next_opening(cal, datetime(2024, 6, 4, tzinfo=zone)) is None


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2024, 3, 11, 9)  # noqa: DTZ001 - the point of the test
    aware = naive.replace(tzinfo=UTC)
    cal = CALENDARS["no"]
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(cal, naive, 15)
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(cal, aware, naive)
    with pytest.raises(ValueError, match="aware"):
        is_open_at(cal, naive)
    with pytest.raises(ValueError, match="aware"):
        next_opening(cal, naive)
    with pytest.raises(ValueError, match=">= 0"):
        add_business_seconds(cal, aware, -1)


def test_calendar_normalises_and_validates() -> None:
    # Lists, unsorted and touching intervals are accepted and normalised, so equal schedules
    # compare and hash equal however they were entered.
    split: list[list[tuple[int, int]]] = [[(12 * H, 16 * H), (8 * H, 12 * H)]]
    messy = Calendar("Europe/Oslo", split * 5 + [[], []])  # type: ignore[arg-type]
    assert messy == Calendar("Europe/Oslo", MON_FRI)
    assert hash(messy) == hash(Calendar("Europe/Oslo", MON_FRI))
    built = Calendar.from_hours(
        "Europe/Oslo",
        {day: [(time(8), time(16))] for day in range(5)},
        {date(2024, 12, 24): []},
    )
    assert built == Calendar("Europe/Oslo", MON_FRI, closed("2024-12-24"))
    assert Calendar.from_hours("Europe/Oslo", {0: [(time(0), time(0))]}).weekly[0] == (
        (0, DAY_SECONDS),
    )
    with pytest.raises(ValueError, match="time zone"):
        Calendar("Europe/Nowhere", MON_FRI)
    with pytest.raises(ValueError, match="7 days"):
        Calendar("Europe/Oslo", MON_FRI[:6])
    with pytest.raises(ValueError, match="interval"):
        Calendar("Europe/Oslo", (((16 * H, 8 * H),),) * 7)
    with pytest.raises(ValueError, match="two exceptions"):
        Calendar("Europe/Oslo", MON_FRI, closed("2024-12-24", "2024-12-24"))
    with pytest.raises(TypeError, match="dates"):
        Calendar("Europe/Oslo", MON_FRI, ((datetime(2024, 12, 24, tzinfo=UTC), ()),))


# --- properties -------------------------------------------------------------------------------

QUARTER = 900


def _pairs(points: list[int]) -> Hours:
    # Quarter-hour boundaries hit the 02:00-03:00 DST hours often enough to matter.
    edges = sorted(points)[: len(points) // 2 * 2]
    return tuple((edges[k] * QUARTER, edges[k + 1] * QUARTER) for k in range(0, len(edges), 2))


hours_st = st.lists(st.integers(0, DAY_SECONDS // QUARTER), max_size=6, unique=True).map(_pairs)


def _last_sunday_0100_utc(year: int, month: int) -> int:
    day = date(year, month + 1, 1) - timedelta(days=1)
    day -= timedelta(days=(day.weekday() + 1) % 7)
    return int(datetime(day.year, day.month, day.day, 1, tzinfo=UTC).timestamp())


_T0 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
_T1 = int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
epoch_st = st.one_of(
    st.integers(_T0, _T1),
    st.builds(
        lambda year, month, shift: _last_sunday_0100_utc(year, month) + shift,
        st.integers(2024, 2030),
        st.sampled_from([3, 10]),
        st.integers(-3 * DAY_SECONDS, 3 * DAY_SECONDS),
    ),
)
span_st = st.one_of(st.integers(0, 4 * H), st.integers(0, 60 * DAY_SECONDS))
amount_st = st.one_of(st.integers(0, 4 * H), st.integers(0, 40 * 8 * H))


@st.composite
def calendars(draw: st.DrawFn, near: int) -> Calendar:
    tz = draw(st.sampled_from(ZONES))
    weekly = [draw(hours_st) for _ in range(7)]
    if not any(weekly):
        weekly[draw(st.integers(0, 6))] = OFFICE
    # Exceptions near the instants under test; far-away ones would never be exercised.
    base = datetime.fromtimestamp(near, ZoneInfo(tz)).date()
    dated = draw(
        st.dictionaries(st.integers(-3, 70).map(lambda k: base + timedelta(days=k)), hours_st)
    )
    return Calendar(tz, tuple(weekly), tuple(dated.items()))


@st.composite
def instant(draw: st.DrawFn, epoch: int, zone: str) -> datetime:
    shown = draw(st.sampled_from([UTC, ZoneInfo(zone)]))
    micro = draw(st.sampled_from([0, 0, 0, 999_999]))
    return datetime.fromtimestamp(epoch + micro / 1e6, shown)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Calendar, datetime]:
    epoch = draw(epoch_st)
    cal = draw(calendars(epoch))
    return cal, draw(instant(epoch, cal.tz))


def _reference_first_instant(zone: ZoneInfo, day: date, second: int) -> int:
    wall = datetime.combine(day, time(), zone) + timedelta(seconds=second)
    guess = int(wall.timestamp())
    if datetime.fromtimestamp(guess, zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return guess
    # In the gap: walk forward from well before it to the first second the clock reaches it.
    probe = guess - 2 * H
    while datetime.fromtimestamp(probe, zone).replace(tzinfo=None) < wall.replace(tzinfo=None):
        probe += 60
    while datetime.fromtimestamp(probe - 1, zone).replace(tzinfo=None) >= wall.replace(tzinfo=None):
        probe -= 1
    return probe


def reference_between(cal: Calendar, a: datetime, b: datetime) -> int:
    """Open seconds in [a, b) by brute force over every day's intervals (a <= b)."""
    lo, hi = int(a.timestamp() // 1), int(b.timestamp() // 1)
    first = datetime.fromtimestamp(lo, cal.zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(hi, cal.zone).date() + timedelta(days=1)
    exceptions = dict(cal.exceptions)
    total, day = 0, first
    while day <= last:
        for start, end in exceptions.get(day, cal.weekly[day.weekday()]):
            s = _reference_first_instant(cal.zone, day, start)
            e = _reference_first_instant(cal.zone, day, end)
            total += max(0, min(e, hi) - max(s, lo))
        day += timedelta(days=1)
    return total


def shift(moment: datetime, seconds: int) -> datetime:
    """Real-time shift; ``+`` on a zoned datetime is wall-clock arithmetic and ignores DST."""
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(moment.tzinfo)


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(scenario(), amount_st)
def test_between_measures_what_add_added(case: tuple[Calendar, datetime], amount: int) -> None:
    cal, a = case
    due = add_business_seconds(cal, a, amount)
    assert due >= a
    assert due.tzinfo is UTC
    assert business_seconds_between(cal, a, due) == amount
    if amount:  # the due time is the earliest such instant
        assert business_seconds_between(cal, a, due - timedelta(seconds=1)) == amount - 1


@PROPERTY
@given(scenario(), span_st)
def test_between_matches_reference(case: tuple[Calendar, datetime], span: int) -> None:
    cal, a = case
    b = shift(a, span)
    assert business_seconds_between(cal, a, b) == reference_between(cal, a, b)
    assert business_seconds_between(cal, b, a) == -reference_between(cal, a, b)


@PROPERTY
@given(scenario(), amount_st, amount_st)
def test_add_is_monotonic_in_amount_and_additive(
    case: tuple[Calendar, datetime], n: int, m: int
) -> None:
    cal, a = case
    first = add_business_seconds(cal, a, n)
    both = add_business_seconds(cal, a, n + m)
    assert add_business_seconds(cal, first, m) == both
    assert first <= both


@PROPERTY
@given(scenario(), span_st, amount_st)
def test_add_is_monotonic_in_start(case: tuple[Calendar, datetime], gap: int, n: int) -> None:
    cal, a = case
    later = shift(a, gap)
    assert add_business_seconds(cal, a, n) <= add_business_seconds(cal, later, n)


@PROPERTY
@given(scenario(), span_st, st.integers(-60 * DAY_SECONDS, 60 * DAY_SECONDS))
def test_between_is_additive(case: tuple[Calendar, datetime], to_b: int, to_c: int) -> None:
    cal, a = case
    b = shift(a, to_b)
    c = shift(a, to_c)
    between = business_seconds_between
    assert between(cal, a, c) == between(cal, a, b) + between(cal, b, c)


@PROPERTY
@given(scenario())
def test_is_open_at_agrees_with_next_opening(case: tuple[Calendar, datetime]) -> None:
    cal, a = case
    opening = next_opening(cal, a)
    assert opening is not None  # every generated calendar has weekly hours
    # Compared in UTC: by PEP 495 a zoned datetime in the repeated autumn hour is never
    # equal to a datetime in another zone.
    assert is_open_at(cal, a) == (opening == a.astimezone(UTC))
    assert is_open_at(cal, opening)
    assert business_seconds_between(cal, a, opening) == 0
    if opening != a.astimezone(UTC):
        assert not is_open_at(cal, opening - timedelta(seconds=1))
