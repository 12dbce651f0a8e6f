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

# The trigger definitions live with the code that depends on them: cases.search_index puts
# them back after any migration that rebuilds the tables.
from casedesk.cases.search_index import SOURCES, Source



def _drop_triggers(schema_editor: Any, source: Source) -> None:
    for suffix in ("ai", "ad", "au"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {source.fts}_{suffix}")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE TABLE cases_search_progress "
        "(source TEXT NOT NULL PRIMARY KEY, last_id INTEGER NOT NULL) WITHOUT ROWID"
    )
    for source in SOURCES:
        schema_editor.execute(
            "INSERT INTO cases_search_progress (source, last_id) "
            f"SELECT '{source.name}', coalesce(max(id), 0) FROM {source.table}"  # noqa: S608
        )
        _drop_triggers(schema_editor, source)
        for sql in source.triggers(guarded=True):
            schema_editor.execute(sql)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for source in SOURCES:
        schema_editor.execute(
            f"INSERT INTO {source.fts} (rowid, {source.column}) "  # noqa: S608
            f"SELECT id, {source.column} FROM {source.table} WHERE id > {source.watermark}"
        )
        _drop_triggers(schema_editor, source)
        for sql in source.triggers(guarded=False):
            schema_editor.execute(sql)
    schema_editor.execute("DROP TABLE cases_search_progress")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_drop_number_pattern_index")]

    operations = [migrations.RunPython(forward, backward)]
