"""Agent pages: the queue and the case workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casedesk.accounts.models import User
from casedesk.cases import actions, lifecycle, queries
from casedesk.cases.access import access_case
from casedesk.cases.models import Case, Channel
from casedesk.core import clock
from casedesk.core.errors import DomainError
from casedesk.core.uploads import uploads_from
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.desk.forms import AgentReplyForm, CaseUpdateForm, MeetingForm, QueueFilterForm
from casedesk.sla.display import case_clocks, nearest_clocks
from casedesk.sla.queries import has_default_policy


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = require_agent(current_user(request))
    form = QueueFilterForm(request.GET or None)
    filters = queries.QueueFilters()
    if form.is_bound:
        # A bad value is shown with its error; the other filters still apply.
        form.is_valid()
        data = form.cleaned_data
        assignee = data.get("assignee") or ""
        filters = queries.QueueFilters(
            product=data["product"].pk if data.get("product") else None,
            organization=data["organization"].pk if data.get("organization") else None,
            status=data.get("status") or None,
            assignee=int(assignee) if assignee.isdigit() else None,
            unassigned=assignee == "none",
            severity=data.get("severity"),
            q=data.get("q") or "",
        )
    page = queries.desk_queue(user=user, filters=filters, cursor=request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    clocks = nearest_clocks((c.pk for c in page.items), clock.now())
    return render(
        request,
        "desk/queue.html",
        {
            "form": form,
            "page": page,
            "rows": [(case, clocks.get(case.pk)) for case in page.items],
            "params": params.urlencode(),
            "no_default_policy": not has_default_policy(),
        },
    )


def _meeting_form(case: Case) -> MeetingForm:
    """Prefilled with the booked meeting, so moving it keeps its length and link; the time in
    the agent's zone, in the "YYYY-MM-DDTHH:MM" a datetime-local input takes."""
    if case.meeting_at is None:
        return MeetingForm()
    starts_at = timezone.localtime(case.meeting_at).strftime("%Y-%m-%dT%H:%M")
    return MeetingForm(
        initial={
            "starts_at": starts_at,
            "minutes": case.meeting_minutes,
            "location": case.meeting_location,
        }
    )


def _case_context(request: HttpRequest, case: Case, **extra: object) -> dict[str, object]:
    user = current_user(request)
    targets = lifecycle.allowed_targets(case.status, is_agent=True)
    update_form = extra.pop("update_form", None)
    if not isinstance(update_form, CaseUpdateForm):
        update_form = CaseUpdateForm(
            initial={
                "assignee": case.assignee_id,
                "status": case.status,
                "severity": case.severity,
                "category": case.category,
            }
        )
    update_form.offer_statuses([case.status, *targets])
    return {
        "case": case,
        "thread": queries.case_thread(user=user, case=case),
        "events": queries.case_events(case=case),
        "intake_items": queries.intake_items(case=case),
        "clocks": case_clocks(case.pk, clock.now()),
        "meeting_form": extra.pop("meeting_form", None) or _meeting_form(case),
        "reply_form": extra.pop("reply_form", None) or AgentReplyForm(current_status=case.status),
        "update_form": update_form,
        "targets": targets,
        **extra,
    }


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = require_agent(current_user(request))
    case = access_case(user=user, number=number)
    return render(request, "desk/case_detail.html", _case_context(request, case))


def _post_case_form(
    request: HttpRequest,
    number: str,
    form_for: Callable[[Case, QueryDict], forms.Form],
    form_key: str,
    perform: Callable[[User, Case, dict[str, Any]], object],
    done: str,
    status: int,
) -> HttpResponse:
    """The case page's forms: act, or show the form again with the reason it failed."""
    user = require_agent(current_user(request))
    case = access_case(user=user, number=number)
    if request.method == "GET":  # e.g. reloading the page a failed submit left in the address bar
        return redirect("desk:case", number=number)
    form = form_for(case, request.POST)
    if form.is_valid():
        try:
            perform(user, case, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("desk:case", number=number)
    case.refresh_from_db()
    context = _case_context(request, case, **{form_key: form})
    return render(request, "desk/case_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, number: str) -> HttpResponse:
    def perform(user: User, case: Case, data: dict[str, Any]) -> object:
        return actions.do_add_message(
            actor=user,
            case=case,
            body=data["body"],
            kind=data["kind"],
            channel=Channel.DESK,
            uploads=uploads_from(request),
            then_status=data["then_status"] or None,
        )

    def form_for(case: Case, data: QueryDict) -> forms.Form:
        return AgentReplyForm(data, current_status=case.status)

    return _post_case_form(
        request, number, form_for, "reply_form", perform, _("Saved."), status=422
    )


@login_required
@require_http_methods(["GET", "POST"])
def update(request: HttpRequest, number: str) -> HttpResponse:
    def perform(user: User, case: Case, data: dict[str, Any]) -> object:
        return actions.do_update_case(
            actor=user,
            case=case,
            assignee=data["assignee"],
            severity=data["severity"],
            category=data["category"],
            status=data["status"],
            on_behalf_of_customer=data["on_behalf_of_customer"],
        )

    return _post_case_form(
        request,
        number,
        lambda _case, data: CaseUpdateForm(data),
        "update_form",
        perform,
        _("Case updated."),
        status=409,
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_meeting(request: HttpRequest, number: str) -> HttpResponse:
    def perform(user: User, case: Case, data: dict[str, Any]) -> object:
        return actions.do_schedule_meeting(
            actor=user,
            case=case,
            starts_at=data["starts_at"],
            minutes=data["minutes"],
            location=data["location"],
        )

    done = _("Meeting booked; the customer gets an invitation.")
    return _post_case_form(
        request, number, lambda _case, data: MeetingForm(data), "meeting_form", perform, done, 422
    )
