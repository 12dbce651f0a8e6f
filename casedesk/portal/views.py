"""Customer pages: views only translate HTTP to actions and queries."""

from __future__ import annotations

from typing import Literal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casedesk.cases import actions, lifecycle, queries
from casedesk.cases.access import access_case
from casedesk.cases.intake import intake_fields_for
from casedesk.cases.models import Channel, HeldRequest, IntakeField, Severity, Status
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.core.ids import parse_id
from casedesk.core.uploads import uploads_from
from casedesk.core.views import current_user
from casedesk.customers.access import require_contact
from casedesk.customers.entitlement import (
    SYSTEM_DOWN,
    covered_products,
    emergency_only_products,
    explain_no_products,
    intake_notice,
    reference_persons,
)
from casedesk.customers.models import Site
from casedesk.portal.forms import INTAKE_PREFIX, NewCaseForm, ReplyForm


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    closed = queries.portal_closed_cases(
        user=user, contact=contact, cursor=request.GET.get("after")
    )
    return render(
        request,
        "portal/case_list.html",
        {
            "contact": contact,
            "open_cases": queries.portal_open_cases(user=user, contact=contact),
            "closed": closed,
        },
    )


def _open_list(request: HttpRequest, moved: str | None = None) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    open_cases = queries.portal_open_cases(user=user, contact=contact)
    numbers = [case.number for case in open_cases]
    return render(
        request,
        "portal/_open_cases.html",
        {
            "open_cases": open_cases,
            # Screen readers are told where the moved case is now (the table is replaced).
            "moved_number": moved if moved in numbers else None,
            "moved_rank": numbers.index(moved) + 1 if moved in numbers else None,
        },
    )


def _intake_fields(
    request: HttpRequest, products: object, product_id: str | None
) -> list[IntakeField]:
    pk = parse_id(product_id)
    if pk is None:
        return []
    product = products.filter(pk=pk).first()  # type: ignore[attr-defined]
    return intake_fields_for(product) if product else []


@login_required
def new_case(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    today = clock.now().date()
    products = covered_products(contact, today)
    has_products = products.exists()
    emergency_only = False
    if not has_products:
        products = emergency_only_products(contact, today)
        emergency_only = has_products = products.exists()
    sites = Site.objects.filter(organization_id=contact.organization_id)
    data = request.POST if request.method == "POST" else None
    product_id = (data or request.GET).get("product")
    form = NewCaseForm(
        data,
        products=products,
        sites=sites,
        intake_fields=_intake_fields(request, products, product_id),
        attachment_count=len(request.FILES.getlist("attachments")),
    )
    if emergency_only:
        # Support is paused, but the vendor still takes "the system is down".
        severity = form.fields["severity"]
        severity.choices = [(SYSTEM_DOWN, Severity(SYSTEM_DOWN).label)]  # type: ignore[attr-defined]
        severity.initial = SYSTEM_DOWN
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "portal/_intake_fields.html", {"form": form})
    if data is not None and form.is_valid():
        try:
            result = actions.do_submit_request(
                actor=user,
                requester=contact,
                product=form.cleaned_data["product"],
                site=form.cleaned_data.get("site"),
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                category=form.cleaned_data["category"],
                severity=form.cleaned_data["severity"],
                channel=Channel.PORTAL,
                intake_data=form.intake_data(),
                uploads=uploads_from(request),
                meeting_requested=form.cleaned_data.get("meeting_requested", False),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            if isinstance(result, HeldRequest):
                names = ", ".join(reference_persons(contact.organization_id))
                messages.success(
                    request,
                    _(
                        "Your request is waiting for approval by your organization's reference "
                        "persons (%(names)s). We will let you know."
                    )
                    % {"names": names or "–"},
                )
                return redirect("portal:held_requests")
            messages.success(request, _("Case %(number)s was created.") % {"number": result.number})
            notice = intake_notice(queries.intake_reason(case=result))
            if notice:
                messages.warning(request, notice)
            return redirect("portal:case", number=result.number)
    return render(
        request,
        "portal/new_case.html",
        {
            "form": form,
            "contact": contact,
            "no_products": None if has_products else explain_no_products(contact, today),
            "emergency_only": emergency_only,
            "paused": explain_no_products(contact, today) if emergency_only else "",
        },
    )


def _add_domain_error(form: NewCaseForm | ReplyForm, error: DomainError) -> None:
    if error.code == ErrorCode.MISSING_REQUIRED_FIELD:
        for key, text in error.details.items():
            name = INTAKE_PREFIX + key
            form.add_error(name if name in form.fields else None, text)
    form.add_error(None, error.message)


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    case = access_case(user=user, number=number)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_message(
                actor=user,
                case=case,
                body=form.cleaned_data["body"],
                channel=Channel.PORTAL,
                uploads=uploads_from(request),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("portal:case", number=case.number)
    return render(
        request,
        "portal/case_detail.html",
        {
            "contact": contact,
            "case": case,
            "form": form,
            "thread": queries.case_thread(user=user, case=case),
            "intake_items": queries.intake_items(case=case),
            "can_close": Status.CLOSED in lifecycle.allowed_targets(case.status, is_agent=False),
            "can_reopen": case.status in (Status.SOLUTION_PROPOSED, Status.CLOSED),
        },
    )


@login_required
@require_POST
def close_case(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    case = access_case(user=user, number=number)
    actions.do_change_case_status(actor=user, case=case, status=Status.CLOSED)
    messages.success(request, _("Case %(number)s is closed. Thank you!") % {"number": number})
    return redirect("portal:case", number=number)


@login_required
@require_POST
def reopen_case(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    case = access_case(user=user, number=number)
    actions.do_change_case_status(actor=user, case=case, status=Status.OPEN)
    messages.success(request, _("We will look at case %(number)s again.") % {"number": number})
    return redirect("portal:case", number=number)


_DIRECTIONS: dict[str, Literal["up", "down"]] = {"up": "up", "down": "down"}


@login_required
@require_POST
def move_case(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    case = access_case(user=user, number=number)
    direction = _DIRECTIONS.get(request.POST.get("direction", ""))
    if direction is None:
        raise DomainError(_("Move the case up or down."), code=ErrorCode.INVALID_INPUT)
    actions.do_move_case_rank(actor=user, case=case, direction=direction)
    if request.headers.get("HX-Request"):
        return _open_list(request, moved=case.number)
    return redirect("portal:cases")


@login_required
@require_POST
def set_order(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    contact = require_contact(user)
    actions.do_set_case_order(
        actor=user, organization=contact.organization, numbers=request.POST.getlist("case")
    )
    if request.headers.get("HX-Request"):
        return _open_list(request)
    return redirect("portal:cases")
