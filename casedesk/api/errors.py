"""The API's one error shape, and the one place exceptions become HTTP statuses.

Every error body is ``{"error": {"code": ..., "message": ..., "details": {...}}}``. Domain
errors keep their own code and status (casedesk.core.errors); nothing unexpected ever
reaches the client as a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from casedesk.api.ratelimit import RateLimited
from casedesk.core.errors import DomainError

logger = logging.getLogger(__name__)


class InsufficientScope(Exception):
    """A read-only token tried to change something."""


class TokenNotUsable(AuthenticationError):
    """A real token that is expired or revoked: the caller can tell "renew" from "wrong"."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class UnknownParameters(Exception):
    """Query or form keys the endpoint does not know, or that the caller's role may not use."""

    def __init__(self, *, source: str, keys: Iterable[str], reason: str = "extra_forbidden"):
        self.source = source
        self.keys = sorted(keys)
        self.reason = reason
        super().__init__(self.keys)


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    response = JsonResponse(error_body(code, message, details), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _clean_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # Only location, message and type: pydantic's `input` and `ctx` may echo secrets or hold
    # objects that are not JSON.
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def validation_error_response(errors: list[dict[str, Any]]) -> HttpResponse:
    return error_response(
        422, "validation_error", _("The request is not valid."), {"errors": errors}
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc.http_status, str(exc.code), exc.message, exc.details)


def _ninja_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return validation_error_response(_clean_errors(exc.errors))


def _pydantic_validation(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
    # A model validated inside a handler (not by ninja): what it checked is the body.
    errors = _clean_errors(exc.errors(include_url=False))
    for error in errors:
        error["loc"] = ["body", *error["loc"]]
    return validation_error_response(errors)


def _unknown_parameters(request: HttpRequest, exc: UnknownParameters) -> HttpResponse:
    message = (
        _("This parameter is not allowed for you.")
        if exc.reason == "not_allowed"
        else _("Unknown parameter.")
    )
    return validation_error_response(
        [{"loc": [exc.source, key], "msg": message, "type": exc.reason} for key in exc.keys]
    )


def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        401,
        "unauthenticated",
        _("A valid API token is required: Authorization: Bearer <token>."),
        headers={"WWW-Authenticate": 'Bearer realm="casedesk"'},
    )


def _token_not_usable(request: HttpRequest, exc: TokenNotUsable) -> HttpResponse:
    message = (
        _("This API token has expired. Please create a new one.")
        if exc.reason == "expired"
        else _("This API token was revoked. Please create a new one.")
    )
    return error_response(
        401,
        f"token_{exc.reason}",
        message,
        headers={
            "WWW-Authenticate": (
                f'Bearer realm="casedesk", error="invalid_token", error_description="{exc.reason}"'
            )
        },
    )


def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "permission_denied", _("You may not do this."))


def _insufficient_scope(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
    return error_response(
        403,
        "insufficient_scope",
        _("This token may only read. Create a token with the write scope to make changes."),
        headers={"WWW-Authenticate": 'Bearer realm="casedesk", error="insufficient_scope"'},
    )


def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return error_response(
        429,
        "rate_limited",
        _("Too many requests. Please wait %(seconds)s seconds.") % {"seconds": exc.retry_after},
        {"limit": exc.limit, "retry_after": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    message = _("The request could not be read.") if status == 400 else str(exc)
    return error_response(status, _HTTP_CODES.get(status, "error"), message)


def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's limits on what it reads of a request: the caller can fix these, so 413 and
    # the limit, not a server error.
    if isinstance(exc, RequestDataTooBig):
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = _("The request is too large: at most %(limit)s bytes, not counting files.")
    elif isinstance(exc, TooManyFieldsSent):
        limit = int(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
        message = _("The request has too many fields: at most %(limit)s.")
    elif isinstance(exc, TooManyFilesSent):
        limit = int(settings.DATA_UPLOAD_MAX_NUMBER_FILES)
        message = _("The request has too many files: at most %(limit)s.")
    else:
        logger.warning("suspicious API request on %s: %s", request.path, exc)
        return error_response(400, "bad_request", _("The request could not be read."))
    return error_response(413, "too_large", message % {"limit": limit}, {"limit": limit})


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(
        500, "server_error", _("Something went wrong on our side. It has been logged.")
    )


def install_error_handlers(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, _domain),
        (ValidationError, _ninja_validation),
        (pydantic.ValidationError, _pydantic_validation),
        (UnknownParameters, _unknown_parameters),
        (TokenNotUsable, _token_not_usable),
        (AuthenticationError, _unauthenticated),
        (AuthorizationError, _forbidden),
        (DjangoPermissionDenied, _forbidden),
        (InsufficientScope, _insufficient_scope),
        (RateLimited, _rate_limited),
        (Http404, _not_found),
        (HttpError, _http_error),
        (SuspiciousOperation, _suspicious),
        (Exception, _unexpected),
    ]
    # Looked up along the exception's class hierarchy, so the most specific one wins.
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
