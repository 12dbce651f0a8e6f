"""Keyset (cursor) pagination: pages cost the same at row 10 and row 1,000,000.

The ordering must be unique (end it with the primary key) and each field must be a
non-null column of the model, so that the page filter can use the matching index.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext as _

from casedesk.core.errors import DomainError, ErrorCode
from casedesk.core.ids import ID_MAX

# Model instances, or plain rows from `.values()` (which must include the ordering fields).
M = TypeVar("M", bound=Model | dict[str, Any])


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(model: type[Model], ordering: Sequence[str], cursor: str) -> list[Any]:
    """The ordering values a cursor carries, checked and typed as the model's fields."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(ordering):
            raise ValueError
        values = []
        for name, value in zip(ordering, raw, strict=True):
            field = model._meta.get_field(name.lstrip("-"))
            if not isinstance(field, Field):
                raise ValueError(name)
            values.append(_bindable(field.to_python(value)))
        return values
    except (ValueError, TypeError, OverflowError, binascii.Error, ValidationError) as exc:
        raise DomainError(_("The page cursor is invalid."), code=ErrorCode.INVALID_INPUT) from exc


# What a 64-bit integer column holds; SQLite and PostgreSQL refuse any other value.
_INT_RANGE = range(-ID_MAX - 1, ID_MAX + 1)


def _bindable(value: Any) -> Any:
    """A cursor comes from the client: refuse values the database would fail on, rather
    than answer with a server error. Every ordering field is a non-null column."""
    if value is None:
        raise ValueError("null in a cursor")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("cursor times carry their offset")
        # Stored in UTC: a time near the ends of the calendar can overflow there.
        return value.astimezone(UTC)
    if isinstance(value, int) and value not in _INT_RANGE:
        raise ValueError("integer out of range")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL in a cursor")
    return value


def after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """The rows after `values` in `ordering`."""
    condition = Q(pk__in=[])
    for i, name in enumerate(ordering):
        field = name.lstrip("-")
        op = "lt" if name.startswith("-") else "gt"
        equal = {ordering[j].lstrip("-"): values[j] for j in range(i)}
        condition |= Q(**equal, **{f"{field}__{op}": values[i]})
    return condition


def paginate(
    queryset: QuerySet[Any, M], *, ordering: Sequence[str], cursor: str | None, size: int
) -> Page[M]:
    qs = queryset.order_by(*ordering)
    if cursor:
        qs = qs.filter(after(ordering, decode_cursor(queryset.model, ordering, cursor)))
    return page_of(list(qs[: size + 1]), ordering=ordering, size=size)


def page_of(rows: list[M], *, ordering: Sequence[str], size: int) -> Page[M]:
    """A page from up to `size` + 1 rows read in `ordering`: the extra row says there is
    a next page."""
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        names = [name.lstrip("-") for name in ordering]
        if isinstance(last, dict):
            next_cursor = _encode([last[name] for name in names])
        else:
            next_cursor = _encode([getattr(last, name) for name in names])
    return Page(items=items, next_cursor=next_cursor)
