"""Full-text indexes for case search: GIN on PostgreSQL, FTS5 tables on SQLite."""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS case_subject_fts ON cases_case "
    "USING gin (to_tsvector('simple', subject))",
    "CREATE INDEX IF NOT EXISTS message_body_fts ON cases_message "
    "USING gin (to_tsvector('simple', body))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS case_subject_fts", "DROP INDEX IF EXISTS message_body_fts"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE cases_case_fts USING fts5(subject, content='cases_case', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE cases_message_fts USING fts5(body, content='cases_message', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO cases_case_fts(rowid, subject) SELECT id, subject FROM cases_case",
    "INSERT INTO cases_message_fts(rowid, body) SELECT id, body FROM cases_message",
    "CREATE TRIGGER cases_case_fts_ai AFTER INSERT ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER cases_case_fts_ad AFTER DELETE ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, subject) "
    "VALUES ('delete', old.id, old.subject); END",
    "CREATE TRIGGER cases_case_fts_au AFTER UPDATE OF subject ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, subject) "
    "VALUES ('delete', old.id, old.subject); "
    "INSERT INTO cases_case_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER cases_message_fts_ai AFTER INSERT ON cases_message BEGIN "
    "INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER cases_message_fts_ad AFTER DELETE ON cases_message BEGIN "
    "INSERT INTO cases_message_fts(cases_message_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER cases_message_fts_au AFTER UPDATE OF body ON cases_message BEGIN "
    "INSERT INTO cases_message_fts(cases_message_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_case_fts_ai", "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_au", "DROP TRIGGER IF EXISTS cases_message_fts_ai",
    "DROP TRIGGER IF EXISTS cases_message_fts_ad", "DROP TRIGGER IF EXISTS cases_message_fts_au",
    "DROP TABLE IF EXISTS cases_case_fts", "DROP TABLE IF EXISTS cases_message_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_meeting")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
