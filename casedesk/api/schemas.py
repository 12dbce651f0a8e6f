"""Schemas shared by every router: the error body, references to other objects, pages."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class StrictIn(Schema):
    """Base of every input schema: a field that is not in the caller's schema is a 422,
    never silently ignored (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(Schema):
    error: ErrorDetail


# Documented on every operation, so clients (and schemathesis) know each error's shape.
ERRORS: dict[frozenset[int], type[Schema]] = {
    frozenset({400, 401, 403, 404, 409, 422, 429}): ErrorOut,
}


def responses(ok: dict[int, Any]) -> dict[Any, Any]:
    return {**ok, **ERRORS}


class Ref(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str
    email: str


class TokenOut(Schema):
    name: str
    kind: str
    scope: str
    prefix: str
    expires_at: str | None


class MeOut(Schema):
    id: int
    email: str
    name: str
    is_agent: bool
    organization: Ref | None
    token: TokenOut
