"""On PostgreSQL the rate-limit counters live in an UNLOGGED table: a transaction that only
counts a request then commits without waiting for a WAL flush (a disk sync per API request
otherwise). After a crash the table comes back empty, which only resets the windows."""

from django.db import migrations


def set_unlogged(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_ratecount SET UNLOGGED")


def set_logged(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_ratecount SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("api", "0003_rate_count")]

    operations = [migrations.RunPython(set_unlogged, set_logged)]
