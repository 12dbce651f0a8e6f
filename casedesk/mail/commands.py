"""The mail commands of the `casedesk` CLI, kept here so cli.py stays a dispatcher.

`ingest-mail` follows sendmail's exit codes (sysexits.h), which MTAs understand: 0 stored,
75 (EX_TEMPFAIL) try again later, 65 (EX_DATAERR) refused for good — the MTA bounces it.
"""

from __future__ import annotations

import sys
from typing import BinaryIO, TextIO

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


def ingest_mail(
    stream: BinaryIO,
    *,
    stderr: TextIO = sys.stderr,
    process_now: bool = False,
    recipients: list[str] | None = None,
    sender: str = "",
) -> int:
    try:
        raw = stream.read()
    except OSError as error:
        print(f"casedesk ingest-mail: cannot read the message: {error}", file=stderr)
        return EX_TEMPFAIL
    if not raw.strip():
        print("casedesk ingest-mail: no message on standard input", file=stderr)
        return EX_DATAERR
    try:
        from casedesk.mail import inbound
        from casedesk.mail.models import InboundMail

        stored = inbound.do_store_inbound_mail(
            raw=raw,
            source=InboundMail.Source.PIPE,
            envelope_from=sender,
            envelope_to=recipients or [],
            process=not process_now,
        )
    except Exception as error:  # whatever it is, the MTA must keep the mail
        from casedesk.mail.inbound import MailTooLarge

        if isinstance(error, MailTooLarge):
            print(f"casedesk ingest-mail: refused: {error}", file=stderr)
            return EX_DATAERR
        print(
            f"casedesk ingest-mail: temporary failure, the message was not stored "
            f"({type(error).__name__}: {error}); the mail server should try again later",
            file=stderr,
        )
        return EX_TEMPFAIL
    if process_now and stored.created:
        # Stored is what the MTA needs to hear; a processing failure is in the failed list.
        inbound.do_process_inbound_mail(stored.inbound_id)
    return EX_OK
