"""Hot read queries whose SQL the ORM builds once per process; later calls only bind values.

Building a queryset's SQL costs 0.2-0.6 ms of Python per query on our machines, ten to
twenty times what SQLite needs to run it, and the intake path (opening a case by API or
e-mail) runs several. A `PreparedQuery` builds its queryset once from placeholder values,
finds where each argument lands among the SQL parameters, and from then on runs that SQL with
the caller's values and the ORM's own result converters, on the driver's cursor
(core.fastsql).

It refuses a queryset whose SQL changes with the values (it compiles twice with different
placeholders and compares) or that transforms an argument (a LIKE pattern, say): such a
queryset raises `NotPreparable` on first use, which every caller's tests exercise.
Arguments are ints, strs, dates or aware datetimes, never None (None changes the SQL:
`IS NULL`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connections, models
from django.db.models import QuerySet
from django.db.models.constants import OnConflict
from django.db.models.sql.compiler import SQLCompiler

from casedesk.core.dbvalues import SLOW, FieldWriter
from casedesk.core.fastsql import Statement, fetch_all, row_count, send

M = TypeVar("M", bound=models.Model)


class SmallInt(int):
    """The kind of an argument compared with a column narrower than 64 bits (say a rank,
    or a PostgreSQL smallint): its placeholders fit that column, where the usual ones would
    make the ORM find the query empty (out of the column's range) instead of compiling it.
    Callers pass plain ints."""


Kind = type[int] | type[SmallInt] | type[str] | type[date] | type[datetime]


class NotPreparable(Exception):
    """The queryset cannot be prepared; the message says why."""


def _placeholder(kind: Kind, attempt: int, index: int) -> int | str | date:
    # Values no real row or constant in a query carries.
    if kind is SmallInt:
        return 20_000 + attempt * 1_000 + index
    if kind is int:
        return 7_331_000_000_000 + attempt * 1_000 + index
    if kind is str:
        return f"\x1fprepared-{attempt}-{index}\x1f"
    if kind is datetime:
        return datetime(1111 + attempt, 1, 1 + index, 1, 2, 3, 456_789, tzinfo=UTC)
    return date(1111 + attempt, 1, 1 + index)


@dataclass(frozen=True)
class _Compiled:
    statement: Statement
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (parameter position, argument index)
    compiler: SQLCompiler
    # The ORM's converters per selected column, found once (the ORM finds them per query).
    converters: dict[int, tuple[list[Any], Any]]
    adapt: tuple[Callable[[Any], Any], ...]


class PreparedQuery:
    """A values_list() query prepared once per database connection alias.

    `build` takes the arguments and returns the queryset; `kinds` gives each argument's type.
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], *kinds: Kind) -> None:
        if len(kinds) > 28:
            raise ValueError("at most 28 arguments")
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, *args: Any, using: str = "default") -> list[tuple[Any, ...]]:
        values = self._checked(args)
        compiled = self._compiled.get(using) or self._prepare(using)
        adapted = [adapt(value) for adapt, value in zip(compiled.adapt, values, strict=True)]
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = adapted[index]
        fetched = fetch_all(connections[using], compiled.statement, params)
        if not compiled.converters:
            return fetched
        rows = compiled.compiler.apply_converters(fetched, compiled.converters)
        return [tuple(row) for row in rows]

    def first(self, *args: Any, using: str = "default") -> tuple[Any, ...] | None:
        found = self.rows(*args, using=using)
        return found[0] if found else None

    def _checked(self, args: Sequence[Any]) -> Sequence[Any]:
        if len(args) != len(self._kinds):
            raise TypeError(f"expected {len(self._kinds)} arguments, got {len(args)}")
        for index, (value, declared) in enumerate(zip(args, self._kinds, strict=True)):
            kind = int if declared is SmallInt else declared
            # bool is an int and datetime a date, but neither binds as the column expects;
            # a naive datetime is in no zone the database knows.
            if (
                not isinstance(value, kind)
                or isinstance(value, bool)
                or (kind is date and isinstance(value, datetime))
                or (kind is datetime and value.tzinfo is None)
            ):
                raise TypeError(f"argument {index} must be {kind.__name__}, not {value!r}")
        return args

    def _prepare(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            first, second = (self._compile(using, attempt) for attempt in (0, 1))
            if first.statement.sql != second.statement.sql or len(first.params) != len(
                second.params
            ):
                raise NotPreparable("the SQL changes with the argument values")
            slot_positions = {position for position, _ in first.slots}
            for position, (a, b) in enumerate(zip(first.params, second.params, strict=True)):
                if a != b and position not in slot_positions:
                    raise NotPreparable(f"parameter {position} changes with the arguments")
            if sorted(first.slots) != sorted(second.slots):
                raise NotPreparable("the arguments land in different places")
            self._compiled[using] = first
            return first

    def _compile(self, using: str, attempt: int) -> _Compiled:
        connection = connections[using]
        values = [_placeholder(kind, attempt, i) for i, kind in enumerate(self._kinds)]
        queryset = self._build(*values)
        if queryset._iterable_class is not models.query.ValuesListIterable:
            raise NotPreparable("prepare a values_list() queryset")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        adapt = tuple(self._adapter(kind, connection) for kind in self._kinds)
        expected = [adapt[i](value) for i, value in enumerate(values)]
        slots = []
        for position, param in enumerate(params):
            matches = [i for i, value in enumerate(expected) if value == param]
            if matches:
                slots.append((position, matches[0]))
        missing = set(range(len(values))) - {index for _, index in slots}
        if missing:
            raise NotPreparable(f"arguments {sorted(missing)} do not appear as parameters")
        if compiler.has_composite_fields([s[0] for s in compiler.select]):
            raise NotPreparable("composite fields are not supported")
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        return _Compiled(Statement(sql), tuple(params), tuple(slots), compiler, converters, adapt)

    @staticmethod
    def _adapter(kind: Kind, connection: Any) -> Callable[[Any], Any]:
        if kind is date:
            return connection.ops.adapt_datefield_value  # type: ignore[no-any-return]
        if kind is datetime:
            return connection.ops.adapt_datetimefield_value  # type: ignore[no-any-return]
        if kind is SmallInt:
            return int
        return kind


class PreparedModelQuery(Generic[M]):
    """A prepared query that returns model instances (all concrete fields, no relations).

    `annotations` names values the queryset annotates (say, an Exists() about a related
    table, to save a second query); `annotated` returns them beside each instance.
    """

    def __init__(
        self, build: Callable[..., QuerySet[M]], *kinds: Kind, annotations: Sequence[str] = ()
    ) -> None:
        self._model: type[M] | None = None
        self._names: list[str] = []
        self._annotations = tuple(annotations)

        def values(*args: Any) -> QuerySet[Any, Any]:
            queryset = build(*args)
            self._model = queryset.model
            self._names = [f.attname for f in queryset.model._meta.concrete_fields]
            return queryset.values_list(*self._names, *self._annotations)

        self._query = PreparedQuery(values, *kinds)

    def annotated(self, *args: Any, using: str = "default") -> list[tuple[M, tuple[Any, ...]]]:
        rows = self._query.rows(*args, using=using)
        model = self._model
        assert model is not None  # noqa: S101 - set while preparing
        width = len(self._names)
        return [(model.from_db(using, self._names, row[:width]), row[width:]) for row in rows]

    def all(self, *args: Any, using: str = "default") -> list[M]:
        return [instance for instance, _ in self.annotated(*args, using=using)]

    def first(self, *args: Any, using: str = "default") -> M | None:
        found = self.all(*args, using=using)
        return found[0] if found else None


class PreparedInsert(Generic[M]):
    """`obj.save(force_insert=True)` for a hot model, with its INSERT built once.

    Model.save() builds the INSERT anew each time: 140 µs per case event on our machines,
    against 75 µs this way and 39 µs for the bare statement. A new case writes three such
    rows and an inbound mail up to six.
    This writes every concrete field as the ORM would (each field's `pre_save` and
    `get_db_prep_save`) and sets the primary key from RETURNING. It sends no
    pre_save/post_save signals: use it only for models nothing listens to (configuration
    models count their changes by signal, see configcache).

    `computed` maps a field to an SQL expression the INSERT evaluates instead of a value
    (with `%s` for the named attributes of the object, in order); the object gets the
    written value from RETURNING, as the driver returns it (no field conversion: use it for
    integers). That saves a query and its round trip before the INSERT.

    An object that has its primary key already (one reserved from the table's sequence)
    is written with it. Inside `fastsql.pipeline()` the INSERT goes out without waiting:
    the object gets its primary key and computed values as the block ends, so rows that
    point to it need it to have its key before.
    """

    def __init__(
        self,
        model: type[M],
        *,
        ignore_conflicts: bool = False,
        computed: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    ) -> None:
        meta = model._meta
        pk = meta.pk
        if pk is None or not isinstance(pk, models.AutoField | models.BigAutoField):
            raise NotPreparable(f"{meta.label} has no automatic primary key")
        self._model = model
        self._pk = pk
        concrete = {f.name: f for f in meta.local_concrete_fields if f is not pk}
        if not set(computed or {}) <= set(concrete):
            raise NotPreparable(f"{meta.label} has no fields {set(computed or {}) - set(concrete)}")
        self._computed = [
            (concrete[name], sql, tuple(attnames))
            for name, (sql, attnames) in (computed or {}).items()
        ]
        skipped = {field for field, _, _ in self._computed}
        self._fields = [f for f in meta.local_concrete_fields if f is not pk and f not in skipped]
        if any(f.generated for f in self._fields):
            raise NotPreparable(f"{meta.label} has a generated field")
        # As bulk_create(ignore_conflicts=True): a row that breaks a unique constraint is
        # not written, and its object keeps no primary key.
        self._ignore_conflicts = ignore_conflicts
        # Per connection alias and given key or not: the INSERT and how values are written.
        self._plans: dict[tuple[str, bool], tuple[Statement, list[FieldWriter]]] = {}

    def save(self, obj: M, *, using: str = "default") -> M:
        if type(obj) is not self._model or not obj._state.adding:
            raise TypeError(f"expected a new {self._model._meta.label}")
        connection = connections[using]
        # As save() does: an unsaved related object is an error, a saved one's id is copied.
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        with_pk = obj.pk is not None
        statement, writers = self._plans.get((using, with_pk)) or self._build(using, with_pk)
        values = _db_values(writers, obj, connection, add=True)
        if with_pk:
            values.insert(0, obj.pk)
        for _field, _sql, attnames in self._computed:
            values.extend(getattr(obj, name) for name in attnames)

        def written(row: tuple[Any, ...] | None) -> None:
            if row is None:  # a conflict, ignored
                if with_pk:
                    obj.pk = None
                return
            obj.pk = row[0]
            for (field, _sql, _names), value in zip(self._computed, row[1:], strict=True):
                setattr(obj, field.attname, value)
            obj._state.adding = False
            obj._state.db = using

        send(connection, statement, values, written)
        return obj

    def _build(self, using: str, with_pk: bool) -> tuple[Statement, list[FieldWriter]]:
        connection = connections[using]
        if not connection.features.can_return_columns_from_insert:
            raise NotPreparable(f"{connection.vendor} cannot return the new row's id")
        qn = connection.ops.quote_name
        computed = [field for field, _, _ in self._computed]
        given = [self._pk] if with_pk else []
        columns = ", ".join(qn(f.column) for f in [*given, *self._fields, *computed])
        for field in self._fields:
            # A field may ask for its own SQL around the value (BinaryField does, but on our
            # databases it is the plain one).
            if (
                hasattr(field, "get_placeholder")
                and field.get_placeholder(b"", None, connection) != "%s"
            ):
                raise NotPreparable(f"{field.name} needs its own placeholder")
        marks = ", ".join(
            ["%s"] * len(given + self._fields) + [f"({sql})" for _, sql, _ in self._computed]
        )
        # The ORM's own words for "skip a conflicting row" on each database.
        on_conflict = OnConflict.IGNORE if self._ignore_conflicts else None
        insert = connection.ops.insert_statement(on_conflict=on_conflict)
        suffix = connection.ops.on_conflict_suffix_sql(self._fields, on_conflict, None, None)
        sql = " ".join(
            part
            for part in (
                f"{insert} {qn(self._model._meta.db_table)} ({columns}) VALUES ({marks})",
                suffix,
                "RETURNING " + ", ".join(qn(f.column) for f in [self._pk, *computed]),
            )
            if part
        )
        plan = Statement(sql), [FieldWriter(field, connection) for field in self._fields]
        self._plans[(using, with_pk)] = plan
        return plan


def _db_values(
    writers: Sequence[FieldWriter], obj: models.Model, connection: Any, *, add: bool
) -> list[Any]:
    values = [writer.value(obj) for writer in writers]
    for index, value in enumerate(values):
        if value is SLOW:
            values[index] = _db_value(writers[index].field, obj, connection, add=add)
    return values


def _db_value(
    field: models.Field[Any, Any], obj: models.Model, connection: Any, *, add: bool
) -> Any:
    value = field.pre_save(obj, add=add)
    if hasattr(value, "resolve_expression"):
        raise NotPreparable(f"{field.name} is an expression; use save()")
    return field.get_db_prep_save(value, connection=connection)


class PreparedUpdate(Generic[M]):
    """`obj.save(update_fields=...)` for a hot model, each field list's UPDATE built once.

    Model.save() builds its UPDATE anew each time (0.15-0.25 ms of Python on our machines,
    against some 0.04 ms for the statement); every reply on a case, every sent mail and
    every processed inbound mail writes one. Values go through each field's `pre_save` and
    `get_db_prep_save` as in save(). Like save(update_fields=...), a row that is gone is an
    error. No pre_save/post_save signals: only for models nothing listens to.
    """

    def __init__(self, model: type[M]) -> None:
        self._model = model
        self._fields = {f.name: f for f in model._meta.local_concrete_fields}
        self._fields.update({f.attname: f for f in model._meta.local_concrete_fields})
        # Per connection alias and field list: the UPDATE and how each value is written.
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[Statement, list[FieldWriter]]] = {}

    def save(self, obj: M, *, update_fields: Sequence[str], using: str = "default") -> None:
        if type(obj) is not self._model or obj._state.adding or obj.pk is None:
            raise TypeError(f"expected a saved {self._model._meta.label}")
        names = tuple(update_fields)
        connection = connections[using]
        statement, writers = self._plans.get((using, names)) or self._build(using, names)
        values = _db_values(writers, obj, connection, add=False)
        values.append(obj.pk)
        if row_count(connection, statement, values) != 1:
            raise DatabaseError(f"{self._model._meta.label} {obj.pk} was not updated")

    def _build(self, using: str, names: tuple[str, ...]) -> tuple[Statement, list[FieldWriter]]:
        try:
            fields = [self._fields[name] for name in names]
        except KeyError as missing:
            raise ValueError(f"{self._model._meta.label} has no field {missing}") from None
        connection = connections[using]
        qn = connection.ops.quote_name
        meta = self._model._meta
        if meta.pk is None or any(f.primary_key or f.generated for f in fields):
            raise NotPreparable("the primary key and generated fields are not updated so")
        assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        sql = (
            f"UPDATE {qn(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
            f"WHERE {qn(meta.pk.column)} = %s"
        )
        plan = Statement(sql), [FieldWriter(field, connection) for field in fields]
        self._plans[(using, names)] = plan
        return plan
