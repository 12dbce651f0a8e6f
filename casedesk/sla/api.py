"""Business calendars over the API: which exist, whether one is open now, when it opens next.
Readable by every token: an IVR or a product's help button asks "is support open?"."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from casedesk.api.auth import api_user
from casedesk.api.params import check_keys, field_names
from casedesk.api.schemas import PathId, described, responses
from casedesk.core import clock
from casedesk.sla import queries
from casedesk.sla.schemas import (
    CalendarOut,
    CalendarStatusOut,
    CalendarStatusParams,
    calendar_out,
    calendar_status_out,
)

router = Router(tags=["calendars"])


@router.get(
    "/calendars",
    response=responses({200: list[CalendarOut]}),
    url_name="calendars",
    summary="List business calendars",
    description=described(
        "The calendars opening hours and SLA times are kept in.",
        who="every token",
        scope="read",
    ),
)
def list_calendars(request: HttpRequest) -> list[CalendarOut]:
    api_user(request)
    check_keys(request.GET, source="query", allowed=())
    return [calendar_out(c) for c in queries.calendars()[:500]]


@router.get(
    "/calendars/{calendar_id}",
    response=responses({200: CalendarStatusOut}),
    url_name="calendar",
    summary="A calendar: open now?, next opening, and the coming days' hours",
    description=described(
        "Whether support is open now, when it opens next (UTC), and the opening hours of "
        "the next `days` days (local times in the calendar's `time_zone`).",
        who="every token (e.g. an IVR or a product's help button)",
        scope="read",
        errors="404 `not_found`.",
    ),
)
def get_calendar(
    request: HttpRequest, calendar_id: PathId, params: Query[CalendarStatusParams]
) -> CalendarStatusOut:
    api_user(request)
    check_keys(request.GET, source="query", allowed=field_names(CalendarStatusParams))
    calendar = queries.get_calendar(calendar_id=calendar_id)
    status = queries.calendar_status(calendar=calendar, at=clock.now(), days=params.days)
    return calendar_status_out(calendar, status)
