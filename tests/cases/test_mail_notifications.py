"""Customer e-mail goes out over a real SMTP connection, in the recipient's language."""

from __future__ import annotations

from typing import Any

from casedesk.cases import actions
from casedesk.cases.models import Status
from tests import factories
from tests.smtp import Inbox


def test_acknowledgement_and_reply_over_smtp(
    smtp: Inbox, org_a: Any, product: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contact = factories.make_contact(org_a, email="kari@a.test", language="nb")
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.make_case(contact, product)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(
            actor=agent,
            case=case,
            body='Prøv å starte på nytt: Innstillinger > Hurtigbuffer & "Tøm".',
            then_status=Status.SOLUTION_PROPOSED,
        )
    ack, reply = smtp.messages
    assert ack["To"] == "kari@a.test"
    assert case.number in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-generated"
    assert reply["Auto-Submitted"] is None
    text = reply.get_body(("plain",))
    html = reply.get_body(("html",))
    assert text is not None
    assert html is not None
    # Plain text is not HTML: nothing escaped there; the HTML part escapes it.
    assert 'Prøv å starte på nytt: Innstillinger > Hurtigbuffer & "Tøm".' in text.get_content()
    assert "Innstillinger &gt; Hurtigbuffer &amp;" in html.get_content()
    assert "Hei" in text.get_content()  # Norwegian greeting for a Norwegian contact
