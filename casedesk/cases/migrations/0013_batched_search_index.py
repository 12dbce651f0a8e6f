"""SQLite: new cases and messages are indexed for full-text search in batches (see
cases.search_index), not by a trigger inside the transaction that writes them.

Everything present now is indexed already, so each watermark starts at the table's highest
id. The triggers for edits and deletions, and for an insert with a chosen id at or below
the watermark, act only on rows at or below it: rows above it are not in the index yet, and
an FTS5 'delete' of a row it does not hold would corrupt it. Backwards, the backlog is
indexed first, then the original triggers of 0004 come back. PostgreSQL: nothing to do.
"""

from typing import Any

from django.db import migrations

SOURCES = (("case", "cases_case", "subject"), ("message", "cases_message", "body"))


def _watermark(name: str) -> str:
    return f"(SELECT last_id FROM cases_search_progress WHERE source = '{name}')"


def _triggers(name: str, table: str, column: str, *, guarded: bool) -> list[str]:
    fts = f"{table}_fts"
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    when_new = f" WHEN new.id <= {_watermark(name)}" if guarded else ""
    when_old = f" WHEN old.id <= {_watermark(name)}" if guarded else ""
    return [
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table}{when_new} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table}{when_old} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table}{when_old} "
        f"BEGIN {delete} {add} END",
    ]


def _drop_triggers(schema_editor: Any, table: str) -> None:
    for suffix in ("ai", "ad", "au"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE TABLE cases_search_progress "
        "(source TEXT NOT NULL PRIMARY KEY, last_id INTEGER NOT NULL) WITHOUT ROWID"
    )
    for name, table, column in SOURCES:
        schema_editor.execute(
            "INSERT INTO cases_search_progress (source, last_id) "
            f"SELECT '{name}', coalesce(max(id), 0) FROM {table}"  # noqa: S608
        )
        _drop_triggers(schema_editor, table)
        for sql in _triggers(name, table, column, guarded=True):
            schema_editor.execute(sql)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, table, column in SOURCES:
        schema_editor.execute(
            f"INSERT INTO {table}_fts (rowid, {column}) "  # noqa: S608
            f"SELECT id, {column} FROM {table} WHERE id > {_watermark(name)}"
        )
        _drop_triggers(schema_editor, table)
        for sql in _triggers(name, table, column, guarded=False):
            schema_editor.execute(sql)
    schema_editor.execute("DROP TABLE cases_search_progress")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_drop_number_pattern_index")]

    operations = [migrations.RunPython(forward, backward)]
