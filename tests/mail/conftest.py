"""Mail tests: real bytes for what we get (the SMTP server for what we send is tests/smtp.py)."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from django.utils import timezone

from casedesk.mail import inbound
from casedesk.mail.models import InboundMail
from tests.smtp import Inbox, free_port

__all__ = ["Inbox", "free_port"]


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
