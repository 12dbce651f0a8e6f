"""Customer e-mail goes out over a real SMTP connection, in the recipient's language."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from casedesk.cases import actions
from casedesk.cases.models import Status
from tests import factories


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


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
            body="Prøv å starte på nytt.",
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
    assert "Prøv å starte på nytt." in text.get_content()
    assert "Hei" in text.get_content()  # Norwegian greeting for a Norwegian contact
