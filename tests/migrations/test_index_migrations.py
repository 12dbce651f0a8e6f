"""Migrations that change only indexes: what they drop is covered by another index, and they
leave everything else (the full-text triggers on SQLite) in place, on either database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

COVERED = {
    "cases_case": "cases_case_organization_id_cb1292e0",
    "cases_message": "cases_message_case_id_544aca6d",
    "cases_caseevent": "cases_caseevent_case_id_6c6031ac",
}
COVERING = {"cases_case": "case_org_updated", "cases_message": "message_thread"}


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def _triggers() -> set[str]:
    if connection.vendor != "sqlite":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    try:
        yield MigrationExecutor(connection)
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())


def test_0009_drops_only_covered_foreign_key_indexes(executor: MigrationExecutor) -> None:
    triggers = _triggers()
    for table, name in COVERED.items():
        assert name not in _indexes(table), name
    for table, name in COVERING.items():
        assert name in _indexes(table)
    assert "caseevent_case" in _indexes("cases_caseevent")

    executor.migrate([("cases", "0008_message_channel_desk")])
    for table, name in COVERED.items():
        assert name in _indexes(table), name

    latest = MigrationExecutor(connection)
    latest.migrate([("cases", "0009_drop_covered_fk_indexes")])
    for table, name in COVERED.items():
        assert name not in _indexes(table), name
    # A table rebuild would have dropped the full-text triggers of cases 0004.
    assert _triggers() == triggers
    if connection.vendor == "sqlite":
        assert {"cases_case_fts_ai", "cases_message_fts_ai"} <= triggers


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text tables only")
def test_0013_batches_search_indexing_and_back(executor: MigrationExecutor, case_a: Any) -> None:
    from casedesk.cases.search_index import verify_index

    # case_a is above the watermark: backwards, it is indexed before the old triggers return.
    executor.migrate([("cases", "0012_drop_number_pattern_index")])
    with connection.cursor() as cursor:  # the old triggers' index: every row, no watermark
        cursor.execute(
            "INSERT INTO cases_case_fts(cases_case_fts, rank) VALUES ('integrity-check', 1)"
        )
    assert "cases_search_progress" not in connection.introspection.table_names()
    latest = MigrationExecutor(connection)
    latest.migrate([("cases", "0013_batched_search_index")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT source, last_id FROM cases_search_progress ORDER BY source")
        progress = dict(cursor.fetchall())
    assert progress == {
        "case": case_a.pk,
        "message": max(m.pk for m in case_a.messages.all()),
    }
    verify_index()
