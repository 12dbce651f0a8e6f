"""Mounted at /api/v1/: the API, and JSON (not the site's HTML pages) for unknown paths and
methods, so every error has the API's one shape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from casedesk.api.api import api
from casedesk.api.errors import error_response

View = Callable[..., HttpResponse]


def _json_not_allowed(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            response = error_response(
                405,
                "method_not_allowed",
                _("This method is not allowed here."),
                {"allowed": allowed},
                headers={"Allow": allowed},
            )
        return response

    return wrapped


def _api_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_not_allowed(pattern.callback)
    return patterns


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("There is no such API endpoint."))


app_name = "api"
urlpatterns = [
    *_api_patterns(),
    path("<path:rest>", not_found),
]
