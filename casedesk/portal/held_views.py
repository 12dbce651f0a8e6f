"""Requests from non-designated colleagues, waiting for a reference person's decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casedesk.cases import actions
from casedesk.cases.access import access_held_request, held_requests_visible_to
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.core.views import current_user
from casedesk.customers.access import require_contact


@login_required
def held_requests(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    return render(
        request,
        "portal/held_requests.html",
        {
            "contact": contact,
            "requests": held_requests_visible_to(user)
            .select_related("requester", "product", "decided_by", "case")
            .order_by("-created_at")[:200],
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, held_id: int) -> HttpResponse:
    user = current_user(request)
    held = access_held_request(user=user, held_id=held_id)
    decision = request.POST.get("decision")
    if decision == "approve":
        case = actions.do_approve_held_request(actor=user, held=held)
        messages.success(request, _("Approved: case %(number)s is open.") % {"number": case.number})
    elif decision == "reject":
        actions.do_reject_held_request(actor=user, held=held)
        messages.success(request, _("The request was rejected; the colleague is told."))
    else:
        # Rejecting tells the colleague: only an explicit "reject" does it.
        raise DomainError(_("Approve or reject the request."), code=ErrorCode.INVALID_INPUT)
    return redirect("portal:held_requests")
