"""The reply form's "then set status" offers what the lifecycle allows from the case's status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Message, Status
from tests import factories


@pytest.fixture
def desk(client: Client, agent: Any) -> Client:
    client.force_login(agent)
    return client


def _case_in(status: str, agent: Any, contact: Any, product: Any) -> Case:
    case = factories.make_case(contact, product)
    if status == Status.CLOSED:
        actions.do_change_case_status(actor=contact.user, case=case, status=Status.CLOSED)
    elif status != Status.NEW:
        actions.do_add_message(actor=agent, case=case, body="Step", then_status=status)
    case.refresh_from_db()
    assert case.status == status
    return case


def _offered(body: str) -> list[str]:
    select = re.search(r'<select name="then_status"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None, body
    return re.findall(r'value="([^"]*)"', select.group(1))


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Status.NEW, ["", "open", "waiting_on_customer", "solution_proposed", "on_hold"]),
        (Status.OPEN, ["", "waiting_on_customer", "solution_proposed", "on_hold"]),
        (Status.SOLUTION_PROPOSED, ["", "open", "waiting_on_customer"]),
        (Status.ON_HOLD, ["", "open", "waiting_on_customer", "solution_proposed"]),
        (Status.CLOSED, ["", "open"]),
    ],
)
def test_reply_form_offers_only_the_statuses_the_lifecycle_allows(
    desk: Client, agent: Any, contact_a: Any, product: Any, status: str, offered: list[str]
) -> None:
    case = _case_in(status, agent, contact_a, product)
    body = desk.get(reverse("desk:case", args=[case.number])).content.decode()
    assert _offered(body) == offered


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ("on_hold", "A case cannot go from “Solution proposed” to “On hold”."),
        ("new", "A case cannot go from “Solution proposed” to “New”."),
        ("closed", "Only the customer closes a case."),
        ("bogus", "Select a valid choice."),
    ],
)
def test_refused_status_is_a_form_error_and_the_typed_reply_stays(
    desk: Client, agent: Any, contact_a: Any, product: Any, posted: str, error: str
) -> None:
    case = _case_in(Status.SOLUTION_PROPOSED, agent, contact_a, product)
    messages, events = Message.objects.count(), CaseEvent.objects.count()
    typed = "Checked the logs & the printer queue"
    response = desk.post(
        reverse("desk:reply", args=[case.number]),
        {"body": typed, "kind": "note", "then_status": posted},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert error in page
    assert "Checked the logs &amp; the printer queue</textarea>" in page
    assert re.search(r'<input type="radio" name="kind" value="note"[^>]*checked', page)
    # Nothing was written, and the list still offers only what is allowed.
    assert (Message.objects.count(), CaseEvent.objects.count()) == (messages, events)
    case.refresh_from_db()
    assert case.status == Status.SOLUTION_PROPOSED
    assert _offered(page) == ["", "open", "waiting_on_customer"]


def test_an_allowed_status_is_set_with_the_reply(
    desk: Client, agent: Any, contact_a: Any, product: Any
) -> None:
    case = _case_in(Status.SOLUTION_PROPOSED, agent, contact_a, product)
    response = desk.post(
        reverse("desk:reply", args=[case.number]),
        {"body": "Any news?", "kind": "reply", "then_status": "waiting_on_customer"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.WAITING_ON_CUSTOMER
    assert CaseEvent.objects.filter(case=case, kind="status_changed").last().new_value == (
        "waiting_on_customer"
    )
