"""The cross-organization matrix: every case-bearing endpoint answers 404 for another
organization's case (and its messages and files), changes nothing, and leaks nothing.

The matrix is checked against the live OpenAPI document, so a new case endpoint that is not
added here fails this test."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from casedesk.api.api import api
from casedesk.cases.models import Case, CaseEvent, Message
from tests import factories
from tests.api.conftest import Api, assert_error, token_for

Call = Callable[[Api, Case, Case], Any]


def _json(method: str, path: str, body: Any) -> Call:
    def call(client: Api, target: Case, own: Case) -> Any:
        fill = {"{n}": target.number, "{own}": own.number}
        text = json.dumps(body)
        for key, value in fill.items():
            text = text.replace(key, value)
        return client.send(method, path.format(n=target.number, own=own.number), json.loads(text))

    return call


def _get(path: str) -> Call:
    def call(client: Api, target: Case, own: Case) -> Any:
        attachment = target.attachments.first()
        return client.get(
            path.format(n=target.number, own=own.number, a=attachment.pk if attachment else 0)
        )

    return call


def _upload(client: Api, target: Case, own: Case) -> Any:
    png = io.BytesIO(factories.PNG_BYTES)
    png.name = "x.png"
    return client.multipart(
        f"/cases/{target.number}/messages", {"body": "sneaky", "attachments": [png]}
    )


# (method, OpenAPI path) -> how to call it against another organization's case
MATRIX: dict[tuple[str, str], list[Call]] = {
    ("get", "/api/v1/cases/{number}"): [_get("/cases/{n}")],
    ("patch", "/api/v1/cases/{number}"): [_json("patch", "/cases/{n}", {"severity": 1})],
    ("post", "/api/v1/cases/{number}/transitions"): [
        _json("post", "/cases/{n}/transitions", {"status": "closed"}),
        _json("post", "/cases/{n}/transitions", {"status": "open"}),
    ],
    ("get", "/api/v1/cases/{number}/messages"): [_get("/cases/{n}/messages")],
    ("post", "/api/v1/cases/{number}/messages"): [_upload],
    ("get", "/api/v1/cases/{number}/attachments/{attachment_id}"): [
        _get("/cases/{n}/attachments/{a}"),
        # Another organization's file through one's own case number.
        _get("/cases/{own}/attachments/{a}"),
    ],
    ("post", "/api/v1/cases/{number}/move"): [
        _json("post", "/cases/{n}/move", {"direction": "up"}),
    ],
    ("put", "/api/v1/cases/order"): [
        _json("put", "/cases/order", {"numbers": ["{n}"]}),
        _json("put", "/cases/order", {"numbers": ["{own}", "{n}"]}),
    ],
}


def test_matrix_covers_every_case_endpoint() -> None:
    schema = api.get_openapi_schema()
    case_endpoints = {
        (method, path)
        for path, operations in schema["paths"].items()
        if "{number}" in path or path.endswith("/order")
        for method in operations
    }
    assert case_endpoints == set(MATRIX)


def _snapshot(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.status,
        case.rank,
        case.severity,
        case.updated_at,
        CaseEvent.objects.filter(case=case).count(),
        Message.objects.filter(case=case).count(),
    )


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_other_organizations_case_is_not_found(
    method: str, path: str, contact_a: Any, case_a: Case, case_b: Case
) -> None:
    client = Api(Client(), token_for(contact_a.user))
    before = _snapshot(case_b)
    for call in MATRIX[(method, path)]:
        response = call(client, case_b, case_a)
        assert_error(response, 404, "not_found")
        body = response.content.decode()
        assert case_b.subject not in body
        assert "b-secret" not in body
    assert _snapshot(case_b) == before


def test_lists_never_show_other_organizations(api_a: Api, case_a: Case, case_b: Case) -> None:
    for params in ({}, {"q": case_b.number}, {"q": "secret"}, {"sort": "queue"}, {"sort": "rank"}):
        body = api_a.get("/cases", params).content.decode()
        assert case_b.number not in body, params
        assert "Org B" not in body
    assert_error(api_a.get("/cases", {"organization": case_b.organization_id}), 422)


def test_cannot_open_a_case_at_another_organizations_site(
    api_a: Api, case_b: Case, product: Any
) -> None:
    site = case_b.organization.sites.create(name="B campus")
    body = {
        "product": product.pk,
        "subject": "x",
        "description": "y",
        "category": "question",
        "severity": 1,
        "site": site.pk,
    }
    assert_error(api_a.post("/cases", body), 422, "invalid_input")
    assert not Case.objects.filter(site=site).exists()


def test_agent_only_endpoints_refuse_contacts(api_a: Api, case_b: Case) -> None:
    org = case_b.organization_id
    for path in (
        "/organizations",
        f"/organizations/{org}",
        "/contacts",
        f"/contacts/{case_b.requester_id}",
        "/contracts",
    ):
        error = assert_error(api_a.get(path), 403, "permission_denied")
        assert "Org B" not in json.dumps(error)


def test_colleague_who_is_not_designated_sees_only_own_cases(
    contact_a: Any, case_a: Case, org_a: Any
) -> None:
    colleague = factories.make_contact(org_a, email="colleague@a.test")
    colleague.roles.all().delete()  # not a designated contact
    client = Api(Client(), token_for(colleague.user))
    assert_error(client.get(f"/cases/{case_a.number}"), 404)
    assert client.get("/cases").json()["items"] == []
