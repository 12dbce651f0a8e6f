"""SQLite indexes new cases and messages for search in batches (cases.search_index): a search
still finds everything committed, and edits and deletions on either side of the watermark
leave the FTS5 index exactly matching the tables."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases import actions, tasks
from casedesk.cases.models import Case, Message
from casedesk.cases.queries import QueueFilters, desk_queue
from casedesk.cases.search_index import index_backlog, verify_index
from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL keeps its GIN indexes itself"
)


def _found(user: Any, q: str) -> set[str]:
    return {c.subject for c in desk_queue(user=user, filters=QueueFilters(q=q), cursor=None).items}


def _indexed(source_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_id FROM cases_search_progress WHERE source = %s", [source_name])
        return int(cursor.fetchone()[0])


def test_a_new_case_waits_for_the_batch_but_a_search_finds_it_at_once(
    contact_a: Any, product: Any, agent: Any
) -> None:
    index_backlog()
    case = factories.make_case(contact_a, product, subject="Lønnskjøring feiler")
    message = actions.do_add_message(actor=contact_a.user, case=case, body="Feilkode E42")
    assert _indexed("case") < case.pk
    assert _indexed("message") < message.pk
    assert _found(agent, "lønn") == {case.subject}
    assert _indexed("case") == case.pk
    assert _indexed("message") == message.pk
    verify_index()
    # Caught up: the next search writes nothing.
    with CaptureQueriesContext(connection) as queries:
        assert _found(agent, "E42") == {case.subject}
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "BEGIN"))]


def test_the_worker_indexes_the_backlog_in_batches(
    contact_a: Any, product: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casedesk.cases import search_index

    monkeypatch.setattr(search_index, "BATCH", 2)
    index_backlog()
    cases = [factories.make_case(contact_a, product, subject=f"Batch {i}") for i in range(5)]
    tasks.index_search_backlog.call_local()
    assert _indexed("case") == cases[-1].pk
    verify_index()
    assert index_backlog() == 0


def test_edits_and_deletions_on_both_sides_of_the_watermark_keep_the_index_true(
    contact_a: Any, product: Any, agent: Any
) -> None:
    indexed = factories.make_case(contact_a, product, subject="Printer jams")
    gone = factories.make_case(contact_a, product, subject="Scanner jams")
    index_backlog()
    waiting = factories.make_case(contact_a, product, subject="Plotter jams")
    waiting_gone = factories.make_case(contact_a, product, subject="Fax jams")
    # As an operator's edit in the admin does: the triggers act only on indexed rows.
    Case.objects.filter(pk__in=[indexed.pk, waiting.pk]).update(subject="Renamed toner")
    Case.objects.filter(pk__in=[gone.pk, waiting_gone.pk]).delete()
    Message.objects.filter(case=indexed).update(body="Edited description")
    assert _found(agent, "jams") == set()
    toner = desk_queue(user=agent, filters=QueueFilters(q="toner"), cursor=None).items
    assert {c.number for c in toner} == {indexed.number, waiting.number}
    assert _found(agent, "edited") == {"Renamed toner"}
    verify_index()


def test_a_row_written_with_a_chosen_id_below_the_watermark_is_indexed_at_once(
    contact_a: Any, product: Any, agent: Any
) -> None:
    first = factories.make_case(contact_a, product, subject="Original subject")
    factories.make_case(contact_a, product, subject="Later case")
    index_backlog()
    number, pk = first.number, first.pk
    first.delete()
    first.pk, first.number, first.subject = pk, number, "Restored from backup"
    first.save(force_insert=True)
    verify_index()
    assert _found(agent, "restored") == {"Restored from backup"}


def test_a_search_catches_up_one_batch_and_the_worker_the_rest(
    contact_a: Any, product: Any, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casedesk.cases import search_index

    monkeypatch.setattr(search_index, "BATCH", 2)
    index_backlog()
    cases = [factories.make_case(contact_a, product, subject=f"Queued {i}") for i in range(5)]
    assert len(_found(agent, "queued")) == 2  # one batch: the worker was down
    tasks.index_search_backlog.call_local()
    assert len(_found(agent, "queued")) == 5
    assert _indexed("case") == cases[-1].pk


def test_a_search_while_another_writer_holds_the_lock_answers_from_the_index(
    transactional_db: None, contact_a: Any, product: Any, agent: Any
) -> None:
    old = factories.make_case(contact_a, product, subject="Printer offline")
    index_backlog()
    new = factories.make_case(contact_a, product, subject="Printer on fire")
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 50")
        # Not caught up, but no error: the case indexed before is found.
        assert _found(agent, "printer") == {old.subject}
    finally:
        other.execute("ROLLBACK")
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 30000")
    assert _found(agent, "printer") == {old.subject, new.subject}
    verify_index()


def test_migrate_restores_what_a_table_rebuild_takes(
    transactional_db: None, contact_a: Any, product: Any, agent: Any
) -> None:
    """SQLite rebuilds a table for an AlterField: its triggers go, and AUTOINCREMENT starts
    again from the highest id left. `migrate` puts both back."""
    kept = factories.make_case(contact_a, product, subject="Kept case")
    newest = factories.make_case(contact_a, product, subject="Newest case")
    index_backlog()
    Case.objects.filter(pk=newest.pk).delete()
    subject = Case._meta.get_field("subject")
    wider = copy.deepcopy(subject)
    wider.max_length = 251
    with connection.schema_editor() as editor:
        editor.alter_field(Case, subject, wider)
        editor.alter_field(Case, wider, subject)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'cases_case_fts_a%'")
        assert cursor.fetchone()[0] == 0  # what the rebuild did
    call_command("migrate", verbosity=0)
    Case.objects.filter(pk=kept.pk).update(subject="Renamed case")
    fresh = factories.make_case(contact_a, product, subject="Fresh case")
    assert fresh.pk > newest.pk
    verify_index()
    assert _found(agent, "case") == {"Renamed case", "Fresh case"}
