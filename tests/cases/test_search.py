"""Full-text search in the desk queue and the API: subjects and messages, by words."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.cases.queries import QueueFilters, desk_queue
from tests import factories


def _found(user: Any, q: str) -> set[str]:
    return {c.subject for c in desk_queue(user=user, filters=QueueFilters(q=q), cursor=None).items}


def test_words_match_subjects_and_messages_with_prefixes_and_nordic_letters(
    contact_a: Any, product: Any, agent: Any
) -> None:
    payroll = factories.make_case(contact_a, product, subject="Lønnskjøring feiler i mars")
    printer = factories.make_case(contact_a, product, subject="Skriver virker ikke")
    actions.do_add_message(actor=contact_a.user, case=printer, body="Feilkode E42 på skjermen")
    assert _found(agent, "lønnskjøring") == {payroll.subject}
    assert _found(agent, "lønn") == {payroll.subject}  # prefix
    assert _found(agent, "E42") == {printer.subject}  # message text
    assert _found(agent, "feil skriver") == set()  # every word must occur in one text
    assert _found(agent, "skjermen feilkode") == {printer.subject}
    assert _found(agent, '"; DROP TABLE cases_case; --') == set()
    assert Case.objects.count() == 2
    assert _found(agent, payroll.number) == {payroll.subject}  # a number goes by the index


def test_internal_notes_are_searchable_by_agents_only(
    contact_a: Any, product: Any, agent: Any, client: Client
) -> None:
    case = factories.make_case(contact_a, product, subject="Slow login")
    actions.do_add_message(
        actor=agent, case=case, body="Customer runs an ancient proxy", kind="note"
    )
    assert _found(agent, "ancient proxy") == {"Slow login"}
    from tests.api.conftest import Api, token_for

    customer = Api(Client(), token_for(contact_a.user))
    assert customer.get("/cases", {"q": "ancient"}).json()["items"] == []
    agent_api = Api(Client(), token_for(agent))
    assert [c["number"] for c in agent_api.get("/cases", {"q": "ancient"}).json()["items"]] == [
        case.number
    ]
    client.force_login(agent)
    body = client.get(reverse("desk:queue"), {"q": "proxy"}).content.decode()
    assert case.number in body
