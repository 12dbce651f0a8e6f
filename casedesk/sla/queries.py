"""Reads for the desk's SLA bits: the calendars, what a calendar's coming days look like,
and whether a default policy exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casedesk.core import configcache
from casedesk.core.errors import NotFound
from casedesk.sla import businesstime as bt
from casedesk.sla.calendars import business_calendar
from casedesk.sla.models import WEEKDAYS, Calendar, CalendarException, SLAPolicy

DAYS_SHOWN = 30


@dataclass(frozen=True)
class CalendarDay:
    date: date
    weekday: str
    intervals: tuple[tuple[str, str], ...]  # local wall times, "HH:MM"; "24:00" = day's end
    exception: bool  # the date's hours come from a holiday or closure, not the week
    name: str  # the holiday's or closure's name, if any
    today: bool

    @property
    def closed(self) -> bool:
        return not self.intervals


@dataclass(frozen=True)
class CalendarStatus:
    now: datetime  # in the calendar's zone
    open_now: bool
    next_opening: datetime | None  # in the calendar's zone; None if it never opens
    days: list[CalendarDay]


def calendars() -> QuerySet[Calendar]:
    return Calendar.objects.order_by("name")


def get_calendar(*, calendar_id: int) -> Calendar:
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No such calendar."))
    return calendar


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def calendar_days(*, calendar: Calendar, start: date, days: int = DAYS_SHOWN) -> list[CalendarDay]:
    """The opening intervals of ``days`` dates from ``start``, as the SLA clocks see them:
    read from the same converted calendar, so the page cannot disagree with the timers."""
    converted = business_calendar(calendar)
    end = start + timedelta(days=days - 1)
    overrides = dict(converted.exceptions)
    names: dict[date, list[str]] = {}
    # One query for the window's names; the hours themselves are already in `converted`.
    for day, name in CalendarException.objects.filter(
        calendar_id=calendar.pk, date__range=(start, end)
    ).values_list("date", "name"):
        # A date open in several intervals has one row, usually with one name, per interval.
        if name and name not in names.setdefault(day, []):
            names[day].append(name)
    weekday_names = dict(WEEKDAYS)
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        hours = overrides.get(day, converted.weekly[day.weekday()])
        rows.append(
            CalendarDay(
                date=day,
                weekday=str(weekday_names[day.weekday()]),
                intervals=tuple((_clock(s), _clock(e)) for s, e in hours),
                exception=day in overrides,
                name=", ".join(names.get(day, ())),
                today=offset == 0,
            )
        )
    return rows


def calendar_status(*, calendar: Calendar, at: datetime, days: int = DAYS_SHOWN) -> CalendarStatus:
    """Whether the calendar is open at ``at``, when it next opens, and the coming days from
    ``at``'s date in the calendar's zone."""
    zone = ZoneInfo(calendar.time_zone)
    converted = business_calendar(calendar)
    local = at.astimezone(zone)
    opening = bt.next_opening(converted, at)
    return CalendarStatus(
        now=local,
        open_now=bt.is_open_at(converted, at),
        next_opening=opening.astimezone(zone) if opening is not None else None,
        days=calendar_days(calendar=calendar, start=local.date(), days=days),
    )


def has_default_policy() -> bool:
    """Whether cases whose contract names no SLA policy get clocks at all; the desk warns
    when not (a fresh installation has none until the vendor sets one)."""
    return configcache.cached(
        ("sla-has-default-policy",), SLAPolicy.objects.filter(is_default=True).exists
    )
