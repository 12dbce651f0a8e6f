"""`casedesk mail-listener`: an LMTP (or SMTP) server for vendors who point their MTA here.

Each message is stored raw before the server says 250; when it cannot be stored (database
down, disk full) the answer is a temporary failure (451), so the MTA keeps the message and
tries again. Processing happens afterwards in the background jobs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from casedesk.mail import inbound
from casedesk.mail.models import InboundMail

logger = logging.getLogger(__name__)


class StoreHandler:
    def __init__(self, *, source: str) -> None:
        self.source = source

    def _store(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> inbound.Stored:
        close_old_connections()
        try:
            return inbound.do_store_inbound_mail(
                raw=raw,
                source=self.source,
                envelope_from=mail_from or "<>",
                envelope_to=rcpt_tos,
            )
        finally:
            close_old_connections()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        recipients = list(envelope.rcpt_tos or [])
        try:
            # The ORM is synchronous: store in a worker thread, the event loop keeps serving.
            await asyncio.to_thread(self._store, raw, envelope.mail_from or "", recipients)
        except inbound.MailTooLarge:
            reply = "552 5.3.4 Message too big"
        except Exception:
            logger.exception("cannot store inbound mail")
            reply = "451 4.3.0 Temporary failure: the message could not be stored; try again"
        else:
            reply = "250 2.0.0 Stored"
        if self.source == InboundMail.Source.LMTP:
            # LMTP answers once per recipient (RFC 2033); the message is stored once for all.
            return "\r\n".join([reply] * max(1, len(recipients)))
        return reply


class _Controller(Controller):
    def __init__(self, handler: StoreHandler, *, lmtp: bool, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        cls = LMTP if self.lmtp else SMTP
        return cls(
            self.handler,
            data_size_limit=int(settings.CASEDESK_MAIL_MAX_BYTES),
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.CASEDESK_MAIL_DOMAIN,
        )


def start_listener(*, host: str, port: int, lmtp: bool = True) -> Controller:
    """Start serving in a background thread; call .stop() on the result to end."""
    source = InboundMail.Source.LMTP if lmtp else InboundMail.Source.SMTP
    controller = _Controller(StoreHandler(source=source), lmtp=lmtp, hostname=host, port=port)
    controller.start()
    return controller


def run_listener(*, host: str, port: int, lmtp: bool = True) -> int:
    controller = start_listener(host=host, port=port, lmtp=lmtp)
    protocol = "LMTP" if lmtp else "SMTP"
    print(f"Casedesk mail listener ({protocol}) on {host}:{port} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
    return 0
