"""Schemas shared by every router: the error body, references to other objects, pages."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from ninja import Schema
from ninja.params import HeaderEx, P, PathEx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from casedesk.core.ids import ID_MAX


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; reject it as invalid input instead of failing later.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


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
    expires_at: str | None


class MeOut(Out):
    id: int
    email: str
    name: str
    is_agent: bool
    organization: Ref | None
    token: TokenOut
