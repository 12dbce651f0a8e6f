"""A contact of organization A gets 404 for anything of organization B, on every route."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases.models import Case, CaseEvent


@pytest.fixture
def client_a(client: Client, contact_a: Any) -> Client:
    client.force_login(contact_a.user)
    return client


def _b_routes(case_b: Case) -> list[tuple[str, str, dict[str, Any]]]:
    n = case_b.number
    attachment = case_b.attachments.get()
    return [
        ("get", reverse("portal:case", args=[n]), {}),
        ("post", reverse("portal:case", args=[n]), {"body": "sneaky"}),
        ("post", reverse("portal:close", args=[n]), {}),
        ("post", reverse("portal:reopen", args=[n]), {}),
        ("post", reverse("portal:move", args=[n]), {"direction": "up"}),
        ("get", reverse("attachment", args=[attachment.pk]), {}),
        ("get", reverse("desk:case", args=[n]), {}),
        ("post", reverse("desk:reply", args=[n]), {"body": "x", "kind": "reply"}),
    ]


def test_every_route_hides_other_organizations(
    client_a: Client, case_a: Case, case_b: Case
) -> None:
    events_before = CaseEvent.objects.filter(case=case_b).count()
    for method, url, data in _b_routes(case_b):
        response = getattr(client_a, method)(url, data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        if url.startswith("/portal/") or url.startswith("/attachments/"):
            assert response.status_code == 404, url
        assert b"secret" not in response.content, url
    assert CaseEvent.objects.filter(case=case_b).count() == events_before


def test_list_pages_show_nothing_of_other_organizations(
    client_a: Client, case_a: Case, case_b: Case
) -> None:
    for url in (
        reverse("portal:cases"),
        reverse("portal:new_case"),
        reverse("portal:case", args=[case_a.number]),
    ):
        body = client_a.get(url).content.decode()
        assert case_b.number not in body
        assert "Org B" not in body
        assert "bob@b.test" not in body


def test_reordering_with_another_organizations_case_is_refused(
    client_a: Client, case_a: Case, case_b: Case
) -> None:
    response = client_a.post(reverse("portal:set_order"), {"case": [case_a.number, case_b.number]})
    assert response.status_code == 409
    case_b.refresh_from_db()
    assert case_b.rank == 1


def test_internal_notes_and_their_files_stay_internal(
    client_a: Client, case_a: Case, agent: Any
) -> None:
    from casedesk.cases import actions
    from casedesk.cases.models import Message
    from tests import factories

    note = actions.do_add_message(
        actor=agent,
        case=case_a,
        body="internal: customer is slow",
        kind=Message.Kind.NOTE,
        uploads=[factories.png_upload("n.png")],
    )
    body = client_a.get(reverse("portal:case", args=[case_a.number])).content.decode()
    assert "customer is slow" not in body
    att = note.attachments.get()
    assert client_a.get(reverse("attachment", args=[att.pk])).status_code == 404


def test_anonymous_users_are_sent_to_login(client: Client, case_a: Case) -> None:
    for url in (
        reverse("portal:cases"),
        reverse("portal:case", args=[case_a.number]),
        reverse("desk:queue"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    att = case_a.attachments.get()
    assert client.get(reverse("attachment", args=[att.pk])).status_code == 404


def test_contacts_cannot_use_the_desk(client_a: Client) -> None:
    response = client_a.get(reverse("desk:queue"))
    assert response.status_code == 403
    assert b"support team" in response.content
