"""Domain errors carry a code; views and the API map codes to HTTP statuses in one place."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_TRANSITION = "invalid_transition"
    INVALID_INPUT = "invalid_input"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE_NOT_ALLOWED = "attachment_type_not_allowed"
    MISSING_REQUIRED_FIELD = "missing_required_field"
    CONFLICT = "conflict"
    INTAKE_REFUSED = "intake_refused"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INTAKE_REFUSED: 403,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.ATTACHMENT_TOO_LARGE: 422,
    ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED: 422,
    ErrorCode.MISSING_REQUIRED_FIELD: 422,
}


class DomainError(Exception):
    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class NotFound(DomainError):
    """One error for 'missing' and 'not yours', so outsiders cannot probe for existence."""

    code = ErrorCode.NOT_FOUND


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION
