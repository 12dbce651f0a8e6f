"""Checks on what a caller sent beyond what ninja validates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

import pydantic
from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from pydantic import BaseModel, PlainValidator
from pydantic_core import PydanticCustomError

from casedesk.accounts.models import User
from casedesk.api.errors import UnknownParameters

A = TypeVar("A", bound=BaseModel)
C = TypeVar("C", bound=BaseModel)


def field_names(*models: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        info.alias or name for model in models for name, info in model.model_fields.items()
    )


def check_keys(
    data: Mapping[str, object],
    *,
    source: str,
    allowed: Iterable[str],
    not_allowed: Collection[str] = (),
) -> None:
    """Reject keys the endpoint does not know (ninja would ignore them) and keys the
    caller's role may not use; neither ever reaches a query."""
    keys = set(data.keys())
    refused = keys & set(not_allowed)
    if refused:
        raise UnknownParameters(source=source, keys=refused, reason="not_allowed")
    unknown = keys - set(allowed)
    if unknown:
        raise UnknownParameters(source=source, keys=unknown)


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PydanticCustomError("dict_type", "Input should be a JSON object")
    return value


def role_body(agent: type[BaseModel], contact: type[BaseModel]) -> PlainValidator:
    """Annotated metadata for a body whose schema depends on the caller's role.

    Ninja would validate a union of the two schemas and report every member's errors under
    pydantic's union locations, before the handler knows who is calling. So the body is
    only checked to be a JSON object here, documented as either schema (the OpenAPI
    document shows both), and validated by `for_role` against the caller's one schema.
    """
    return PlainValidator(_json_object, json_schema_input_type=agent | contact)


def for_role(user: User, payload: Mapping[str, Any], *, agent: type[A], contact: type[C]) -> A | C:
    """The body validated against the schema of the caller's role: the only check of a
    role-dependent body, so it is also what stops a contact from sending an agent-only
    field (that field is named as not allowed, not as unknown)."""
    schema: type[A] | type[C] = agent if user.is_agent else contact
    try:
        return schema.model_validate(payload)
    except pydantic.ValidationError as exc:
        agent_only = set() if user.is_agent else field_names(agent) - field_names(contact)
        errors: list[dict[str, Any]] = []
        for error in exc.errors(include_url=False):
            refused = error["type"] == "extra_forbidden" and error["loc"] in {
                (name,) for name in agent_only
            }
            errors.append(
                {
                    "loc": ("body", *error["loc"]),
                    "msg": _("This parameter is not allowed for you.") if refused else error["msg"],
                    "type": error["type"],
                }
            )
        raise ValidationError(errors) from exc


def body_fingerprint(payload: Mapping[str, Any]) -> str:
    """The same JSON body, however its keys are ordered or spaced, has the same print."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
