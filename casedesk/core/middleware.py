from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from casedesk.core import configcache


class ConfigSnapshotMiddleware:
    """Each request reads the configuration version once (core.configcache)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with configcache.request_snapshot():
            return self.get_response(request)


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            language = getattr(user, "language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response


class DomainErrorMiddleware:
    """A domain error that reaches the top becomes a polite page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from casedesk.core.errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        if request.headers.get("HX-Request"):
            return HttpResponse(exception.message, status=exception.http_status)
        return render(
            request,
            "core/error.html",
            {"message": exception.message},
            status=exception.http_status,
        )
