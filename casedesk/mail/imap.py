"""Polling IMAP mailboxes: fetch, store raw, process, and only then delete or move.

A message leaves the server only after its outcome (case, reply, refusal — or a failure kept
in the failed-mail list with its raw bytes) is committed here. If the poller dies first, the
message is fetched again next time and recognised as already stored.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.core import clock
from casedesk.mail import inbound
from casedesk.mail.models import InboundMail, Mailbox

logger = logging.getLogger(__name__)
BATCH = 200
TIMEOUT = 60
_DONE = frozenset(
    {InboundMail.State.PROCESSED, InboundMail.State.FAILED, InboundMail.State.DISCARDED}
)


@dataclass(frozen=True)
class MailboxConfig:
    name: str
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str
    processed_folder: str
    mailbox: Mailbox | None = None


def configured_mailboxes() -> list[MailboxConfig]:
    found = [
        MailboxConfig(
            m.name,
            m.host,
            m.port,
            m.use_ssl,
            m.username,
            m.password,
            m.folder,
            m.processed_folder,
            m,
        )
        for m in Mailbox.objects.filter(is_active=True).select_related("default_product")
    ]
    if settings.CASEDESK_IMAP_HOST:
        found.append(
            MailboxConfig(
                "environment",
                settings.CASEDESK_IMAP_HOST,
                settings.CASEDESK_IMAP_PORT,
                settings.CASEDESK_IMAP_SSL,
                settings.CASEDESK_IMAP_USER,
                settings.CASEDESK_IMAP_PASSWORD,
                settings.CASEDESK_IMAP_FOLDER,
                settings.CASEDESK_IMAP_PROCESSED_FOLDER,
            )
        )
    return found


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    client: imaplib.IMAP4
    if config.use_ssl:
        client = imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        client = imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT)
    client.login(config.username, config.password)
    return client


def _check(response: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    data = _check(client.uid("FETCH", uid.decode(), "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _remove(client: imaplib.IMAP4, uids: list[bytes], config: MailboxConfig) -> None:
    if not uids:
        return
    uid_set = ",".join(u.decode() for u in uids)
    capabilities = {c.upper() for c in client.capabilities}
    if config.processed_folder:
        folder = _quote(config.processed_folder)
        client.create(folder)  # fails harmlessly when it exists
        if "MOVE" in capabilities:
            _check(client.uid("MOVE", uid_set, folder), "MOVE")
            return
        _check(client.uid("COPY", uid_set, folder), "COPY")
    _check(client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
    if "UIDPLUS" in capabilities:
        _check(client.uid("EXPUNGE", uid_set), "EXPUNGE")
    else:
        _check(client.expunge(), "EXPUNGE")


def poll_mailbox(config: MailboxConfig, *, limit: int = BATCH) -> int:
    """One pass over the mailbox's folder; returns how many messages left the server."""
    client = _connect(config)
    try:
        _check(client.select(_quote(config.folder)), "SELECT")
        found = _check(client.uid("SEARCH", "UNDELETED"), "SEARCH")
        uids = (found[0] or b"").split() if found and isinstance(found[0], bytes) else []
        done: list[bytes] = []
        for uid in uids[:limit]:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            stored = inbound.do_store_inbound_mail(
                raw=raw, source=InboundMail.Source.IMAP, mailbox=config.mailbox, process=False
            )
            # Processed here and now, not by a queued job: the server copy may go only
            # once the outcome is committed.
            inbound.do_process_inbound_mail(stored.inbound_id)
            state = (
                InboundMail.objects.filter(pk=stored.inbound_id)
                .values_list("state", flat=True)
                .first()
            )
            if state in _DONE:
                done.append(uid)
        _remove(client, done, config)
        return len(done)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _note(config: MailboxConfig, error: str) -> None:
    if config.mailbox is None:
        return
    with transaction.atomic():
        Mailbox.objects.filter(pk=config.mailbox.pk).update(
            last_polled_at=clock.now(), last_error=error[:2000]
        )


def poll_all_mailboxes() -> int:
    total = 0
    for config in configured_mailboxes():
        try:
            total += poll_mailbox(config)
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
            # One unreachable mailbox must not stop the others; the admin shows the error.
            logger.warning("IMAP mailbox %s: %s", config.name, error)
            _note(config, f"{type(error).__name__}: {error}")
            continue
        _note(config, "")
    return total
