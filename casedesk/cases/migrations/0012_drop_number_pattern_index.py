"""Case numbers are found by equality and by their start as a range (cases.search), both
through the unique index. The `varchar_pattern_ops` index that Django adds on PostgreSQL for
every unique text column, for LIKE under a non-C collation, served no query and cost every
new case one more index entry (32 MB at a million cases). Dropped by name; SQLite never had
it. A later AlterField of `number` would make Django create it again: drop it then too.

CONCURRENTLY, outside a transaction: a plain DROP INDEX would wait for the table's running
queries while blocking every new read and write of cases.
"""

from typing import Any

from django.db import migrations

PATTERN_INDEX = "cases_case_number_980c9551_like"


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{PATTERN_INDEX}"')


def restore(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{PATTERN_INDEX}" '
            'ON "cases_case" ("number" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0011_partial_case_indexes")]

    operations = [migrations.RunPython(drop, restore)]
