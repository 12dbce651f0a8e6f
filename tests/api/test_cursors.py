"""Page cursors come from the client: a tampered one is a clear 4xx on every list, never a
server error, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import Api, assert_error

pytestmark = pytest.mark.django_db

# Times whose UTC value leaves the calendar, integers no 64-bit column holds, NUL in text.
RECENT = [
    ["9999-12-31T23:59:59-05:00", 1],
    ["0001-01-01T00:00:00+05:00", 1],
    ["2026-01-01T00:00:00", 1],  # no offset: cursors we make always carry one
    ["2026-01-01T00:00:00+00:00", 2**70],
    [None, 1],
    ["2026-01-01T00:00:00+00:00", None],
]
QUEUE = [
    [1, "9999-12-31T23:59:59-05:00", 1, 1],
    [1, "2026-01-01T00:00:00Z", 2**70, 1],
    [None, None, None, None],
]


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("values", RECENT)
def test_api_case_list(api_a: Api, case_a: Any, values: list[Any]) -> None:
    assert_error(api_a.get("/cases", {"cursor": _cursor(values)}), 422, "invalid_input")


@pytest.mark.parametrize("values", QUEUE)
def test_api_queue(agent_api: Api, case_a: Any, values: list[Any]) -> None:
    response = agent_api.get("/cases", {"sort": "queue", "cursor": _cursor(values)})
    assert_error(response, 422, "invalid_input")


@pytest.mark.parametrize("path", ["/organizations", "/contacts"])
@pytest.mark.parametrize("values", [["a\u0000", 1], [None, 1]])
def test_api_names(agent_api: Api, contact_a: Any, path: str, values: list[Any]) -> None:
    assert_error(agent_api.get(path, {"cursor": _cursor(values)}), 422, "invalid_input")


def test_api_contracts_and_mail(agent_api: Api, contact_a: Any) -> None:
    assert_error(agent_api.get("/contracts", {"cursor": _cursor([None])}), 422, "invalid_input")
    assert_error(agent_api.get("/mail", {"cursor": _cursor([None, 1])}), 422, "invalid_input")


def test_a_good_cursor_still_pages(agent_api: Api, contact_a: Any, product: Any) -> None:
    from tests import factories

    for _ in range(3):
        factories.make_case(contact_a, product)
    first = agent_api.get("/cases", {"limit": 2}).json()
    rest = agent_api.get("/cases", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) + len(rest["items"]) == 3


@pytest.mark.parametrize("values", RECENT[:2])
def test_portal_closed_cases(client: Client, contact_a: Any, values: list[Any]) -> None:
    client.force_login(contact_a.user)
    response = client.get(reverse("portal:cases"), {"after": _cursor(values)})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("values", QUEUE)
def test_desk_queue(client: Client, agent: Any, values: list[Any]) -> None:
    client.force_login(agent)
    response = client.get(reverse("desk:queue"), {"after": _cursor(values)})
    assert 400 <= response.status_code < 500
