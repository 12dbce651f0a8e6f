"""Checks on what a caller sent beyond what ninja validates."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TypeVar, cast

from pydantic import BaseModel

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


def for_role(user: User, payload: BaseModel, *, agent: type[A], contact: type[C]) -> A | C:
    """The body validated against the schema of the caller's role.

    Operations accept the union of the role schemas (so the OpenAPI document shows both);
    this re-validation is what stops a contact from sending an agent-only field.
    """
    schema: type[A] | type[C] = agent if user.is_agent else contact
    if type(payload) is schema:
        return cast("A | C", payload)
    return schema.model_validate(payload.model_dump(mode="json", exclude_unset=True))
