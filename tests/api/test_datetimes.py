"""Every date and time the API sends is UTC in one format: 2026-03-06T14:30:00.000000Z,
whatever zone the value was computed in (a calendar's, the vendor's, the database's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from casedesk.mail.models import InboundMail
from tests.api.conftest import Api, token_for

OSLO = ZoneInfo("Europe/Oslo")
ONE_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
# Anything that looks like a time of day in ISO 8601, in whatever form.
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _times(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _times(item)
    elif isinstance(value, list):
        for item in value:
            yield from _times(item)
    elif isinstance(value, str) and LOOKS_LIKE_A_TIME.match(value):
        yield value


def _assert_one_format(body: Any, *, at_least: int) -> list[str]:
    times = list(_times(body))
    assert len(times) >= at_least, body
    assert [t for t in times if not ONE_FORMAT.fullmatch(t)] == [], body
    return times


def test_cases_and_their_clocks_are_in_utc(
    api_a: Api, agent_api: Api, sla: Any, product: Any, frozen: Any
) -> None:
    # The domain clock in the vendor's zone, as SLA arithmetic produces times.
    frozen(datetime(2026, 3, 6, 15, 30, 0, 120_000, tzinfo=OSLO))
    created = api_a.post(
        "/cases",
        {
            "product": product.pk,
            "subject": "Printing fails",
            "description": "Since this morning.",
            "category": "problem",
            "severity": 2,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    _assert_one_format(body, at_least=2)
    assert body["created_at"] == "2026-03-06T14:30:00.120000Z"
    number = body["number"]
    agent_view = agent_api.get(f"/cases/{number}").json()
    _assert_one_format(agent_view, at_least=4)  # created, updated, due, SLA clocks
    _assert_one_format(agent_api.get("/cases").json(), at_least=4)
    _assert_one_format(api_a.get("/cases").json(), at_least=2)
    _assert_one_format(api_a.get(f"/cases/{number}/messages").json(), at_least=1)


def test_a_whole_second_keeps_its_fraction_digits(
    api_a: Api, product: Any, frozen: Any, case_a: Any
) -> None:
    from casedesk.cases.models import Case

    Case.objects.filter(pk=case_a.pk).update(updated_at=datetime(2026, 3, 6, 14, tzinfo=UTC))
    assert api_a.get(f"/cases/{case_a.number}").json()["updated_at"] == (
        "2026-03-06T14:00:00.000000Z"
    )


def test_calendar_times_are_in_utc(api_a: Api, office: Any, frozen: Any) -> None:
    frozen(datetime(2026, 3, 6, 17, 0, tzinfo=OSLO))  # Friday after closing
    body = api_a.get(f"/calendars/{office.pk}").json()
    _assert_one_format(body, at_least=2)
    assert body["now"] == "2026-03-06T16:00:00.000000Z"
    assert body["next_opening"] == "2026-03-09T07:00:00.000000Z"  # Monday 08:00 in Oslo


def test_token_expiry_and_stored_mail_are_in_utc(agent: Any) -> None:
    from django.test import Client

    api = Api(Client(), token_for(agent, expires_in_days=30))
    _assert_one_format(api.get("/me").json(), at_least=1)
    mail = InboundMail.objects.create(
        source="pipe",
        dedup_key="x",
        raw=b"",
        size=0,
        state="failed",
        received_at=datetime(2026, 3, 6, 15, 30, tzinfo=OSLO),
    )
    body = api.get(f"/mail/{mail.pk}").json()
    assert body["received_at"] == "2026-03-06T14:30:00.000000Z"


def test_the_document_states_the_format(client: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    created = schemas["ContactCaseOut"]["properties"]["created_at"]
    assert created["format"] == "date-time"
    assert re.fullmatch(created["pattern"], "2026-03-06T14:30:00.000000Z")
    assert not re.fullmatch(created["pattern"], "2026-03-06T15:30:00.000000+01:00")
