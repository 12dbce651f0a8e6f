"""Agent pages for checking a business calendar: which days are open, and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casedesk.core import clock
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.sla import queries


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    require_agent(current_user(request))
    return render(request, "desk/calendar_list.html", {"calendars": queries.calendars()})


@login_required
def calendar_detail(request: HttpRequest, calendar_id: int) -> HttpResponse:
    require_agent(current_user(request))
    calendar = queries.get_calendar(calendar_id=calendar_id)
    status = queries.calendar_status(calendar=calendar, at=clock.now())
    return render(request, "desk/calendar_detail.html", {"calendar": calendar, "status": status})
