"""API schemas for business calendars."""

from __future__ import annotations

from datetime import date

from ninja import Schema
from pydantic import Field

from casedesk.api.schemas import Out, UtcDatetime
from casedesk.sla.models import Calendar
from casedesk.sla.queries import CalendarStatus


class CalendarOut(Out):
    id: int
    name: str
    time_zone: str
    country: str


class CalendarDayOut(Out):
    date: date
    weekday: str
    intervals: list[tuple[str, str]] = Field(
        description='Local opening intervals "HH:MM"–"HH:MM"; "24:00" is the end of the day.'
    )
    closed: bool
    exception: bool = Field(description="The hours come from a holiday or closure.")
    name: str


class CalendarStatusOut(CalendarOut):
    now: UtcDatetime = Field(
        description="The current time, in UTC (the calendar keeps `time_zone`)."
    )
    open_now: bool
    next_opening: UtcDatetime | None = Field(description="UTC; null if it never opens again.")
    days: list[CalendarDayOut]


class CalendarStatusParams(Schema):
    days: int = Field(7, ge=1, le=60, description="How many days of hours to include.")


def calendar_out(calendar: Calendar) -> CalendarOut:
    return CalendarOut(
        id=calendar.pk, name=calendar.name, time_zone=calendar.time_zone, country=calendar.country
    )


def calendar_status_out(calendar: Calendar, status: CalendarStatus) -> CalendarStatusOut:
    return CalendarStatusOut(
        **calendar_out(calendar).model_dump(),
        now=status.now,
        open_now=status.open_now,
        next_opening=status.next_opening,
        days=[
            CalendarDayOut(
                date=d.date,
                weekday=d.weekday,
                intervals=list(d.intervals),
                closed=d.closed,
                exception=d.exception,
                name=d.name,
            )
            for d in status.days
        ],
    )
