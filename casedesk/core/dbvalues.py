"""What a model field's value is written to the database as, the way save() writes it.

save() runs every field's `pre_save` and `get_db_prep_save`: some 3 µs a field on our
machines, 90 µs for a new case's 26 columns, a third of its INSERT. For the plain field
classes below, holding a value of their own Python type, all that comes down to the value
itself or one adapter of the database backend (PostgreSQL binds integers as typed values;
both databases write datetimes their own way). `FieldWriter` finds that once per field and
connection; for anything else (other field classes, an expression, a value of another type
such as a str in an integer field or a naive datetime) it answers SLOW, and the caller takes
the ORM's full path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations

# Exact classes: a subclass may convert in its own get_prep_value.
_TEXT = frozenset({models.CharField, models.TextField})
_INTEGER = frozenset(
    {
        models.IntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
    }
)
_KEYS = frozenset({models.AutoField, models.BigAutoField, models.SmallAutoField})
SLOW = object()  # no shortcut: run pre_save and get_db_prep_save


class FieldWriter:
    """One field's write, with the shortcut when the field and its value allow it."""

    __slots__ = ("adapt", "attname", "field", "kind", "null")

    def __init__(self, field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> None:
        self.field = field
        self.attname = field.attname
        self.null = field.null
        shortcut = _shortcut(field, connection)
        self.kind: type | None = shortcut[0] if shortcut else None
        self.adapt: Callable[[Any], Any] | None = shortcut[1] if shortcut else None

    def value(self, obj: models.Model) -> Any:
        """The value to write, or SLOW."""
        kind = self.kind
        if kind is None:
            return SLOW
        # Straight from the instance: a deferred field is missing here and goes the slow way.
        value = obj.__dict__.get(self.attname, SLOW)
        if kind is str:
            if isinstance(value, str):  # a choice's enum member too: text fields keep it as is
                return value
        # Exact types: the ORM makes a plain int of an enum member, and a naive datetime
        # takes the slow way, where the ORM warns about it.
        elif type(value) is kind and not (isinstance(value, datetime) and value.tzinfo is None):
            return value if self.adapt is None else self.adapt(value)
        if value is None and self.null:
            return None
        return SLOW


def _shortcut(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> tuple[type, Callable[[Any], Any] | None] | None:
    cls = type(field)
    ops = connection.ops
    if cls in _TEXT:
        return str, None
    if cls is models.BooleanField:
        return bool, None
    if cls in _INTEGER:
        return int, _integer_adapter(ops, field.get_internal_type())
    if isinstance(field, models.ForeignKey) and cls in (models.ForeignKey, models.OneToOneField):
        target = field.target_field
        if type(target) in _KEYS:
            return int, None  # an automatic key is written as it is, unadapted
        if type(target) in _INTEGER:
            return int, _integer_adapter(ops, target.get_internal_type())
        return None
    auto = isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add)
    if cls is models.DateTimeField and not auto:
        return datetime, ops.adapt_datetimefield_value
    return None


def _integer_adapter(ops: Any, internal_type: str) -> Callable[[Any], Any] | None:
    if type(ops).adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value:
        return None  # SQLite: the value itself
    return lambda value: ops.adapt_integerfield_value(value, internal_type)
