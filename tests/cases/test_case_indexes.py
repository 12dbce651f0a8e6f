"""The open cases' condition is written as the partial indexes state it, and cases are found
by site and assignee through the partial indexes that hold only cases that have one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from casedesk.cases.actions.base import next_rank
from casedesk.cases.models import OPEN, Case, Status
from casedesk.core.literals import Literal
from casedesk.customers.models import Site


def _plan(sql: str, params: tuple[Any, ...]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few test rows: make the planner show what it would do with many.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


def test_the_open_condition_is_literal_sql() -> None:
    sql, params = Case.objects.filter(OPEN, organization_id=7).query.sql_with_params()
    assert 'NOT ("cases_case"."status" = \'closed\')' in sql
    assert params == (7,)
    for unsafe in ("closed'; --", "Closed", "", "x" * 41):
        with pytest.raises(ValueError, match="not a plain constant"):
            Literal(unsafe)


@pytest.mark.django_db
def test_open_cases_and_their_rank_come_from_the_partial_indexes(case_a: Any) -> None:
    query = Case.objects.filter(OPEN, organization_id=case_a.organization_id).order_by("-rank")
    assert "case_org_open_rank" in _plan(*query.values_list("rank")[:1].query.sql_with_params())
    # Either open-case index will do on a few rows: each holds the condition as written.
    queue = Case.objects.filter(OPEN).order_by("queue_class", "queue_due_at", "rank", "id")
    plan = _plan(*queue[:50].query.sql_with_params())
    assert "case_queue" in plan or "case_org_open_rank" in plan
    assert next_rank(case_a.organization_id) == case_a.rank + 1
    Case.objects.filter(pk=case_a.pk).update(status=Status.CLOSED)
    assert next_rank(case_a.organization_id) == 1


@pytest.mark.django_db
def test_cases_by_site_and_by_assignee_use_their_partial_indexes(case_a: Any, agent: Any) -> None:
    site = Site.objects.create(organization_id=case_a.organization_id, name="North")
    Case.objects.filter(pk=case_a.pk).update(site=site, assignee=agent)
    for field, value, index in (
        ("site", site.pk, "case_site"),
        ("assignee", agent.pk, "case_assignee"),
    ):
        for lookup in (field, f"{field}__in"):
            query = Case.objects.filter(**{lookup: [value] if lookup.endswith("__in") else value})
            assert index in _plan(*query.values_list("pk").query.sql_with_params()), lookup
            assert list(query.values_list("pk", flat=True)) == [case_a.pk]


@pytest.mark.django_db
def test_numbers_are_found_through_the_unique_index(case_a: Any) -> None:
    from casedesk.cases.search import filter_by_query

    start = case_a.number[:7]
    for query in (
        Case.objects.filter(number=case_a.number),
        filter_by_query(Case.objects.all(), start, include_notes=False),
    ):
        plan = _plan(*query.values_list("pk").query.sql_with_params())
        unique = "cases_case_number_key" if connection.vendor == "postgresql" else "autoindex"
        assert unique in plan, plan
    assert [c.pk for c in filter_by_query(Case.objects.all(), start, include_notes=False)] == [
        case_a.pk
    ]
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "cases_case")
    # No second index on the number (PostgreSQL's pattern-ops one is dropped by 0012).
    assert [name for name, c in indexes.items() if c["columns"] == ["number"]] == [
        name for name, c in indexes.items() if c["columns"] == ["number"] and c["unique"]
    ]
