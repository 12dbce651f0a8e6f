"""The agents' view of requests that wait for a customer's reference person: whom to nudge
when a colleague of theirs calls about a request nobody approved yet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casedesk.cases.models import HeldRequest
from casedesk.cases.queries import held_requests as held_requests_page
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.customers.queries import approvers_by_organization
from casedesk.desk.params import chosen_state


@login_required
def held_requests(request: HttpRequest) -> HttpResponse:
    require_agent(current_user(request))
    state = chosen_state(request, HeldRequest.State.values, HeldRequest.State.PENDING)
    page = held_requests_page(
        state="" if state == "all" else state, cursor=request.GET.get("after")
    )
    approvers = approvers_by_organization({held.organization_id for held in page.items})
    rows = [(held, approvers.get(held.organization_id, [])) for held in page.items]
    return render(
        request,
        "desk/held_requests.html",
        {"page": page, "rows": rows, "state": state, "states": HeldRequest.State.choices},
    )
