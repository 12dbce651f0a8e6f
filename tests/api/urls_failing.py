"""The site's URLs plus views under /api/v1/ that fail outside the API's own error handling
(as middleware or a plain Django view would), to reach Django's 403/404/500 handlers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from casedesk import urls as site


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _missing(request: HttpRequest) -> HttpResponse:
    raise Http404


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def _broken_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/_test/forbidden", _forbidden),
    path("api/v1/_test/missing", _missing),
    path("api/v1/_test/broken", _broken),
    path("desk/_test/broken", _broken_page),
    *site.urlpatterns,
]
# The site's handlers (Django's defaults where it has none).
handler400 = getattr(site, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(site, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(site, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site, "handler500", "django.views.defaults.server_error")
