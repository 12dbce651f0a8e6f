"""Django's own error views (CSRF failure, 400, 403, 404, 500): for /api/ paths they answer
in the API's JSON error shape, since a client there cannot read an HTML page; everywhere
else they stay the site's pages. Wired in casedesk.urls and settings.CSRF_FAILURE_VIEW."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults

from casedesk.api.errors import error_response
from casedesk.core import views as core_views


def _for_api(request: HttpRequest) -> bool:
    # path_info, not path: the same under a script prefix (e.g. behind a proxy at /support).
    return request.path_info.startswith("/api/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not _for_api(request):
        return csrf.csrf_failure(request, reason)
    # Only a session cookie makes Django check CSRF; the API's own operations do not use it.
    return error_response(
        403,
        "csrf_failed",
        _(
            "The request was refused by the CSRF check. API requests authenticate with "
            "Authorization: Bearer <token>, not with a browser session."
        ),
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _for_api(request):
        return defaults.bad_request(request, exception)
    return error_response(400, "bad_request", _("The request could not be read."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _for_api(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "permission_denied", _("You may not do this."))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _for_api(request):
        return core_views.not_found(request, exception)
    return error_response(404, "not_found", _("There is no such API endpoint."))


def server_error(request: HttpRequest) -> HttpResponse:
    if not _for_api(request):
        return defaults.server_error(request)
    # Django has logged the exception; the client gets no detail of it.
    return error_response(
        500, "server_error", _("Something went wrong on our side. It has been logged.")
    )
