"""Constants written into a query's SQL rather than bound as parameters.

A partial index (`... WHERE NOT (status = 'closed')`) only serves a query whose condition
states the same constant. Bound as a parameter, SQLite plans the statement afresh on every
run to find out (four times the cost of a prepared single-row read), and a PostgreSQL
generic plan cannot use the index at all. Only simple code constants qualify: nothing a
user typed ever becomes SQL text.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import CharField, Value

_SAFE = re.compile(r"[a-z_]{1,40}")


class Literal(Value):
    """A short lower-case word (a choice value) as an SQL string literal."""

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not _SAFE.fullmatch(value):
            raise ValueError(f"not a plain constant: {value!r}")
        super().__init__(str(value), output_field=CharField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"'{self.value}'", []
