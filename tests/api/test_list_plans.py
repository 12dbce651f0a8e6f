"""The list endpoints' queries walk an index in their order and stop after a page, also when
several partial indexes share a condition (SQLite picks by its statistics, which the
post-migrate hook and an hourly job keep fresh)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases.models import NO_DUE_TIME, Case, queue_class_for
from casedesk.core import clock
from casedesk.core.maintenance import refresh_planner_statistics
from tests.api.conftest import Api
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner; PostgreSQL keeps its own statistics"
)


def _seed(product: Any, contacts: list[Any]) -> None:
    now = clock.now()
    cases = []
    for i in range(3000):
        contact = contacts[i % len(contacts)]
        closed = i % 5 != 0
        severity = 1 + i % 6
        cases.append(
            Case(
                number=f"2019-{i + 1:06d}",
                organization_id=contact.organization_id,
                product=product,
                requester=contact,
                subject=f"case {i}",
                category="problem",
                severity=severity,
                status="closed" if closed else "open",
                rank=0 if closed else i,
                queue_class=queue_class_for(severity),
                queue_due_at=NO_DUE_TIME if closed else now + timedelta(minutes=i),
                created_at=now - timedelta(minutes=i),
                updated_at=now - timedelta(minutes=i),
            )
        )
    Case.objects.bulk_create(cases, batch_size=500)


def _plans(api: Api, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    lines = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if 'FROM "cases_case"' not in query["sql"] or "LIMIT" not in query["sql"]:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            lines += [row[3] for row in cursor.fetchall()]
    assert lines, f"no case list query seen for {path}"
    return lines


@pytest.mark.django_db
def test_list_pages_walk_an_index_without_sorting(product: Any, agent: Any, api_as: Any) -> None:
    contacts = [
        make_contact(make_organization(name=f"Org {n}", products=[product])) for n in range(6)
    ]
    _seed(product, contacts)
    assert refresh_planner_statistics()
    agent_api = api_as(agent)
    contact_api = api_as(contacts[0].user)

    for api, path in (
        (agent_api, "/cases?sort=queue"),
        (agent_api, "/cases"),
        (contact_api, "/cases"),
        (contact_api, "/cases?sort=rank"),
    ):
        plan = _plans(api, path)
        case_lines = [line for line in plan if "cases_case" in line]
        assert all("USING INDEX" in line or "PRIMARY KEY" in line for line in case_lines), (
            path,
            plan,
        )
        assert not any("TEMP B-TREE" in line for line in plan), (path, plan)


@pytest.mark.django_db
def test_statistics_are_refreshed(case_a: Any) -> None:
    assert refresh_planner_statistics()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
        assert refresh_planner_statistics()
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'cases_case'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"case_queue", "case_org_open_rank"} <= indexes
