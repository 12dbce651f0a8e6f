"""One-click answers from reminder e-mails (/portal/r/<token>/), without signing in.

GET only shows what the button will do: mail scanners and link previews fetch links in
e-mails, so a GET must never close or reopen anything. The POST from that page answers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casedesk.cases import actions
from casedesk.cases.models import Case, Status
from casedesk.cases.reminder_links import (
    ExpiredLink,
    InvalidLink,
    LinkAction,
    case_for_link,
    read_token,
)
from casedesk.core.errors import DomainError


def _result(
    request: HttpRequest, *, title: str, message: str, case: Case | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/reminder_result.html",
        {
            "title": title,
            "message": message,
            "case": case,
            "portal_url": reverse("portal:case", args=[case.number]) if case else "",
        },
        status=status,
    )


def _invalid(request: HttpRequest) -> HttpResponse:
    return _result(
        request,
        title=_("This link is not valid"),
        message=_(
            "Please use the link exactly as it is in our e-mail, or sign in to the portal "
            "to close or reply to your case."
        ),
        status=400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def reminder_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = read_token(token)
    except ExpiredLink:
        return _result(
            request,
            title=_("This link has expired"),
            message=_(
                "The buttons in our reminders work for 30 days. Please sign in to the portal "
                "to close or reply to your case."
            ),
            status=410,
        )
    except InvalidLink:
        return _invalid(request)
    case = case_for_link(link)
    if case is None:
        return _invalid(request)
    close = link.action == LinkAction.CLOSE
    # The page answers the requester's mail, so it speaks their language, signed in or not.
    with translation.override(case.requester.language):
        if case.is_closed:
            return _result(
                request,
                title=_("Already closed"),
                message=_("Case %(number)s is already closed.") % {"number": case.number},
                case=case,
            )
        if request.method == "POST":
            try:
                actions.do_change_case_status_by_link(
                    case_id=case.pk,
                    contact_id=link.contact_id,
                    status=Status.CLOSED if close else Status.OPEN,
                )
            except DomainError as error:
                return _result(
                    request,
                    title=_("Sorry"),
                    message=error.message,
                    case=case,
                    status=error.http_status,
                )
            if close:
                message = _("Case %(number)s is closed. Thank you!")
            else:
                message = _("We will look at case %(number)s again.")
            return _result(
                request,
                title=_("Thank you"),
                message=message % {"number": case.number},
                case=case,
            )
        return render(
            request,
            "portal/reminder_confirm.html",
            {
                "case": case,
                "close": close,
                "portal_url": reverse("portal:case", args=[case.number]),
            },
        )
