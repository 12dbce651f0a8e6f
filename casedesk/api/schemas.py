"""Schemas shared by every router: the error body, references to other objects, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from ninja import Schema
from ninja.params import HeaderEx, P, PathEx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from casedesk.core.ids import ID_MAX


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; reject it as invalid input instead of failing later.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def utc_text(value: datetime) -> str:
    # Times come computed in several zones (a calendar's, the vendor's for SLA arithmetic,
    # the database's UTC), and pydantic writes each with its own offset and drops a zero
    # fraction: clients get one fixed form they can compare and sort as text.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # Django keeps UTC when time zones are off
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is C and a third faster than strftime; a list page writes some 150 times.
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


UTC_FORMAT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"
# Every date and time in a response: UTC, microseconds, "Z".
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(utc_text, return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": UTC_FORMAT},
        mode="serialization",
    ),
]

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Text = Annotated[str, AfterValidator(_no_nul)]
CaseNumber = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$")]


# Path parameters: a database key, and a case number (letters, digits and "-": anything
# else cannot exist, so it never reaches a query).
PathId: TypeAlias = PathEx[int, P(ge=1, le=ID_MAX)]
PathNumber: TypeAlias = PathEx[str, P(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$")]
IdempotencyKeyHeader: TypeAlias = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Makes a retry safe: the same key within 24 hours gets the first response.",
    ),
]


class StrictIn(Schema):
    """Base of every input schema: a field that is not in the caller's schema is a 422,
    never silently ignored (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base of output schemas: plain pydantic models built from keyword arguments (ninja's
    Schema would wrap every value for attribute access, which costs a third of a list
    request), and enums leave as their plain values (severity 2, not "2")."""

    model_config = ConfigDict(use_enum_values=True)


class ErrorDetail(Out):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(Out):
    error: ErrorDetail


# Documented on every operation, so clients (and schemathesis) know each error's shape.
ERRORS: dict[frozenset[int], type[BaseModel]] = {
    frozenset({400, 401, 403, 404, 409, 413, 415, 422, 429}): ErrorOut,
}


def responses(ok: dict[int, Any]) -> dict[Any, Any]:
    return {**ok, **ERRORS}


# Service tokens belong to support team accounts, so they are agents' tokens too.
AGENT = "agents (personal or service token)"


def described(text: str, *, who: str, scope: str, errors: str = "") -> str:
    """An operation's description in one layout: what it does, who may call it, the token
    scope it needs, and the errors worth handling (beyond those every operation has)."""
    parts = [text, f"**Who:** {who}", f"**Scope:** {scope}"]
    if errors:
        parts.append(f"**Errors:** {errors}")
    return "\n\n".join(parts)


class Ref(Out):
    id: int
    name: str


class PersonRef(Out):
    id: int
    name: str
    email: str


class TokenOut(Out):
    name: str
    kind: str
    scope: str
    prefix: str
    expires_at: UtcDatetime | None


class MeOut(Out):
    id: int
    email: str
    name: str
    is_agent: bool
    organization: Ref | None
    token: TokenOut
