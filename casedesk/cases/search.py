"""Full-text search over case subjects and messages.

PostgreSQL: GIN indexes on to_tsvector('simple', …) (no stemming: customers write in five
languages). SQLite: FTS5 tables (unicode61, diacritics folded) that new rows join in
batches (cases.search_index), caught up before every search. Both are created by migration
0004. Contacts never match on internal notes.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from casedesk.cases.models import Case
from casedesk.cases.search_index import catch_up_before_search

_WORD = re.compile(r"\w+", re.UNICODE)
NUMBER_PREFIX = re.compile(r"\d{4}(-\d{0,6})?")
MAX_TERMS = 8


def _terms(q: str) -> list[str]:
    return _WORD.findall(q)[:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    # Each word quoted (no FTS5 syntax from users) and prefix-matched; all must occur.
    return " ".join(f'"{t}"*' for t in terms)


# Literal SQL per database and audience; only the search terms are parameters. One IN over
# a UNION, not two ORed INs: the planner then starts from the few matches (GIN or FTS5)
# instead of filtering the whole ordering index.
PG_SQL = {
    True: "SELECT id FROM cases_case WHERE to_tsvector('simple', subject) "
    "@@ to_tsquery('simple', %s) UNION SELECT case_id FROM cases_message "
    "WHERE to_tsvector('simple', body) @@ to_tsquery('simple', %s)",
    False: "SELECT id FROM cases_case WHERE to_tsvector('simple', subject) "
    "@@ to_tsquery('simple', %s) UNION SELECT case_id FROM cases_message "
    "WHERE to_tsvector('simple', body) @@ to_tsquery('simple', %s) AND kind = 'reply'",
}
FTS_SQL = {
    True: "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s "
    "UNION SELECT case_id FROM cases_message WHERE id IN "
    "(SELECT rowid FROM cases_message_fts WHERE cases_message_fts MATCH %s)",
    False: "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s "
    "UNION SELECT case_id FROM cases_message WHERE kind = 'reply' AND id IN "
    "(SELECT rowid FROM cases_message_fts WHERE cases_message_fts MATCH %s)",
}


def filter_by_text(qs: QuerySet[Case], q: str, *, include_notes: bool) -> QuerySet[Case]:
    terms = _terms(q)
    if not terms:
        return qs.none()
    if connection.vendor == "postgresql":
        query = " & ".join(f"{t}:*" for t in terms)
        matches = RawSQL(PG_SQL[include_notes], (query, query))  # noqa: S611 - literal SQL
    else:
        catch_up_before_search()
        match = _fts5_query(terms)
        matches = RawSQL(FTS_SQL[include_notes], (match, match))  # noqa: S611 - literal SQL
    return qs.filter(id__in=matches)


def filter_by_query(qs: QuerySet[Case], q: str, *, include_notes: bool) -> QuerySet[Case]:
    """A search box: a case number (or its start) by the unique index, else full text."""
    q = q.strip()
    if NUMBER_PREFIX.fullmatch(q):
        # Digits and "-" sort before ":", so this range is exactly "starts with q".
        return qs.filter(number__gte=q, number__lt=q + ":")
    return filter_by_text(qs, q, include_notes=include_notes)
