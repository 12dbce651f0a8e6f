"""Mail tests: a real SMTP server on loopback for what we send, real bytes for what we get."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from casedesk.mail import inbound
from casedesk.mail.models import InboundMail


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


def make_mail(
    *,
    sender: str = "anna@a.test",
    to: str = "support@desk.test",
    subject: str = "Printing fails",
    body: str = "The printer does not print.",
    html: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(domain="a.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


Ingest = Callable[..., InboundMail]


@pytest.fixture
def ingest(django_capture_on_commit_callbacks: Any) -> Ingest:
    """Store a message as the pipe would and run the queued jobs, as the worker would."""

    def run(raw: bytes, **kwargs: Any) -> InboundMail:
        kwargs.setdefault("source", InboundMail.Source.PIPE)
        with django_capture_on_commit_callbacks(execute=True):
            stored = inbound.do_store_inbound_mail(raw=raw, **kwargs)
        return InboundMail.objects.get(pk=stored.inbound_id)

    return run


def make_dsn(*, original_message_id: str, recipient: str, status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) as an MTA writes it."""
    return (
        "From: MAILER-DAEMON@mx.a.test\r\n"
        "To: support@desk.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-" + recipient + ">\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your "
        "message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.a.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} User unknown\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@desk.test\r\nTo: {recipient}\r\n"
        f"Message-ID: {original_message_id}\r\nSubject: [Case x] hello\r\n"
        "\r\n--b1--\r\n"
    ).encode()
