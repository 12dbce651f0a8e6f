"""What an agent writes in the desk is on the "desk" channel, not the customer's portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Category, Channel, Message
from casedesk.core.errors import DomainError
from casedesk.sla.models import SLATimer
from tests import factories
from tests.api.conftest import Api, token_for


@pytest.fixture
def desk(client: Client, agent: Any) -> Client:
    client.force_login(agent)
    return client


def test_desk_reply_is_on_the_desk_channel_in_thread_and_api(
    desk: Client, agent: Any, contact_a: Any, product: Any, sla: Any, frozen: Any
) -> None:
    frozen(factories.oslo(2026, 3, 9, 9, 0))
    case = factories.make_case(contact_a, product)
    actions.do_add_message(actor=contact_a.user, case=case, body="More detail")
    frozen(factories.oslo(2026, 3, 9, 9, 30))
    response = desk.post(
        reverse("desk:reply", args=[case.number]), {"body": "We are on it", "kind": "reply"}
    )
    assert response.status_code == 302, response.content.decode()
    reply = Message.objects.get(case=case, body="We are on it")
    assert reply.channel == Channel.DESK
    event = CaseEvent.objects.get(case=case, kind="reply_added", data__message=reply.pk)
    assert event.data["channel"] == "desk"
    # The customer's own web replies stay on the portal.
    assert Message.objects.get(case=case, body="More detail").channel == Channel.PORTAL

    thread = desk.get(reverse("desk:case", args=[case.number])).content.decode()
    assert "Reply · Desk ·" in thread.replace("Public reply", "Reply")

    api = Api(Client(), token_for(agent))
    channels = {m["body"]: m["channel"] for m in api.get(f"/cases/{case.number}/messages").json()}
    assert channels["We are on it"] == "desk"
    assert channels["More detail"] == "portal"

    # The reply answers the customer: the first-response clock is met as from any channel.
    first = SLATimer.objects.get(case=case, metric="first_response")
    assert first.state == SLATimer.State.MET


def test_agent_actions_without_a_channel_default_to_the_desk(
    agent: Any, contact_a: Any, case_a: Case
) -> None:
    note = actions.do_add_message(actor=agent, case=case_a, body="Looked at it", kind="note")
    assert note.channel == Channel.DESK
    answer = actions.do_add_message(actor=contact_a.user, case=case_a, body="Thanks")
    assert answer.channel == Channel.PORTAL


def test_a_case_does_not_come_in_on_the_desk_channel(
    agent: Any, contact_a: Any, product: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.do_create_case(
            actor=agent,
            requester=contact_a,
            product=product,
            subject="Printing fails",
            description="Every time",
            category=Category.PROBLEM,
            severity=2,
            channel=Channel.DESK,
        )
    assert refused.value.code == "invalid_input"
    assert not Case.objects.exists()
    response = Api(Client(), token_for(agent)).post(
        "/cases",
        {
            "requester": contact_a.pk,
            "product": product.pk,
            "subject": "Printing fails",
            "description": "Every time",
            "category": "problem",
            "severity": 2,
            "channel": "desk",
        },
    )
    assert response.status_code == 422, response.content
    assert not Case.objects.exists()
