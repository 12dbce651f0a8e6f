"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: the `smtp` fixture
for every test that checks mail we send (registered in tests/conftest.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received; `fail` makes it refuse everything (451)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.fail = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail:
            return "451 4.3.0 try again later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.DEFAULT_FROM_EMAIL = "support@desk.test"
    settings.CASEDESK_REPLY_ADDRESS = "support@desk.test"
    settings.CASEDESK_MAIL_DOMAIN = "desk.test"
    yield inbox
    controller.stop()
