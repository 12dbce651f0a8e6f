from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases.access import access_attachment
from casedesk.cases.attachments import INLINE_TYPES
from casedesk.customers.access import contact_for_user


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User) or not user.is_authenticated  # noqa: S101
    return user  # type: ignore[return-value]


def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_authenticated and user.is_agent:
        return redirect("desk:queue")
    if user.is_authenticated and contact_for_user(user) is not None:
        return redirect("portal:cases")
    if user.is_authenticated:
        return render(
            request,
            "core/error.html",
            {"message": _("Your account is not linked to a customer contact or an agent.")},
            status=403,
        )
    return redirect("login")


def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    found = access_attachment(user=current_user(request), attachment_id=attachment_id)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=found.content_type not in INLINE_TYPES,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"message": _("We could not find that page."), "title": _("Not found")},
        status=404,
    )
