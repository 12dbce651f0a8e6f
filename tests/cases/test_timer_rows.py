"""A list page's SLA clocks come in one prepared query whatever the page holds, the same rows
the ORM gives, found through the clocks' case index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases.queries import TIMER_ROW_FIELDS, timer_rows
from casedesk.sla.models import Calendar, Metric, SLATimer
from tests import factories


@pytest.mark.django_db
def test_the_clocks_of_the_cases_asked_for(contact_a: Any, contact_b: Any, product: Any) -> None:
    calendar = Calendar.objects.create(name="Office", time_zone="Europe/Oslo")
    cases = [factories.make_case(c, product) for c in (contact_a, contact_b, contact_a)]
    due = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    for i, case in enumerate(cases):
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)[: i + 1]:
            SLATimer.objects.create(
                case=case,
                metric=metric,
                calendar=calendar,
                target_seconds=3600,
                due_at=due + timedelta(minutes=i),
                target_channel="email" if i else "",
            )
    for wanted in ([cases[0].pk], [c.pk for c in cases], [cases[2].pk, cases[1].pk], [10**9]):
        expected = list(
            SLATimer.objects.filter(case_id__in=wanted).order_by("id").values(*TIMER_ROW_FIELDS)
        )
        assert timer_rows(wanted) == expected
    assert len(timer_rows([c.pk for c in cases])) == 1 + 2 + 2
    assert timer_rows([]) == []


@pytest.mark.django_db
def test_one_query_and_an_index_search(contact_a: Any, product: Any) -> None:
    ids = [factories.make_case(contact_a, product).pk for _ in range(3)]
    timer_rows(ids)
    with CaptureQueriesContext(connection) as captured:
        timer_rows(ids * 17)  # a page's worth of ids: still one query
    assert len(captured) == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + captured[0]["sql"])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "SEARCH sla_slatimer USING INDEX" in plan, plan
