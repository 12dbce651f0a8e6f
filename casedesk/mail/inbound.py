"""The one inbound pipeline for IMAP, LMTP/SMTP and the pipe: store raw, then process.

Storing is one short transaction keyed by Message-ID (or a content hash), so a message
delivered twice — also concurrently — is stored once, and the deliverer hears "stored" only
once it is committed. Processing claims the row, does the case work through the cases actions
(each its own transaction) and then records the outcome. If a worker dies in between, the next
claim first looks for what the dead one already committed, so nothing is done twice.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from casedesk.cases.models import Case, HeldRequest, Message
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.mail import ids, parsing
from casedesk.mail.mimeutil import message_id_key
from casedesk.mail.models import InboundMail, Mailbox, MessageId, OutboundMail

logger = logging.getLogger(__name__)
# A claim older than this belongs to a worker that died; the mail is processed again.
LEASE = timedelta(minutes=15)
State = InboundMail.State
Outcome = InboundMail.Outcome


class MailTooLarge(DomainError):
    code = ErrorCode.INVALID_INPUT


@dataclass(frozen=True)
class Stored:
    inbound_id: int
    created: bool


@dataclass
class Result:
    outcome: str
    case: Case | None = None
    message: Message | None = None
    data: dict[str, object] = field(default_factory=dict)
    # An answer to the sender (refusal, "held for approval"), sent after the outcome commits.
    answer: bool = False


def do_store_inbound_mail(
    *,
    raw: bytes,
    source: str,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    mailbox: Mailbox | None = None,
    process: bool = True,
) -> Stored:
    """Keep the bytes before anything else; `process` queues the processing job."""
    from django.conf import settings

    from casedesk.mail import tasks

    if len(raw) > settings.CASEDESK_MAIL_MAX_BYTES:
        raise MailTooLarge(f"message of {len(raw)} bytes exceeds the limit")
    summary = parsing.summarize(raw)
    try:
        with transaction.atomic(durable=True):
            row = InboundMail.objects.create(
                source=source,
                dedup_key=summary.dedup_key,
                message_id=summary.message_id,
                from_address=summary.from_address,
                subject=summary.subject,
                envelope_from=envelope_from[:254],
                envelope_to="\n".join(envelope_to),
                raw=raw,
                size=len(raw),
                mailbox=mailbox,
                received_at=clock.now(),
            )
            if process:
                transaction.on_commit(lambda: tasks.process_inbound_mail(row.pk))
    except IntegrityError:
        existing = (
            InboundMail.objects.filter(dedup_key=summary.dedup_key)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is None:
            raise
        return Stored(existing, created=False)
    return Stored(row.pk, created=True)


def _claimable(row: InboundMail, *, now: object, stale_after: timedelta, retry: bool) -> bool:
    if row.state == State.RECEIVED or (retry and row.state == State.FAILED):
        return True
    return (
        row.state == State.PROCESSING
        and row.claimed_at is not None
        and row.claimed_at <= now - stale_after  # type: ignore[operator]
    )


def _no_auto_reply_reason(row: InboundMail, parsed: parsing.ParsedMail) -> str:
    if parsed.is_automatic:
        return parsed.automatic_reason
    if not parsed.from_address:
        return "no sender address"
    if ids.is_our_address(parsed.from_address):
        return "sent from our own address"
    if row.envelope_from.strip() == "<>":
        return "null sender"
    # The per-sender rate limit and bounced addresses are checked when an answer is sent.
    return ""


def _claim(
    inbound_id: int, parsed: parsing.ParsedMail | None, *, stale_after: timedelta, retry: bool
) -> tuple[InboundMail, bool] | None:
    with transaction.atomic(durable=True):
        row = InboundMail.objects.select_for_update().filter(pk=inbound_id).first()
        now = clock.now()
        if row is None or not _claimable(row, now=now, stale_after=stale_after, retry=retry):
            return None
        resumed = bool(row.data.get("attempted_case_work"))
        reason = _no_auto_reply_reason(row, parsed) if parsed is not None else "unreadable"
        row.state, row.claimed_at, row.attempts = State.PROCESSING, now, row.attempts + 1
        row.auto_reply_allowed = not reason
        # Kept across a crash or failure: the next claim looks for work this one committed.
        row.data = {**row.data, "no_auto_reply": reason, "attempted_case_work": True}
        row.save(update_fields=["state", "claimed_at", "attempts", "auto_reply_allowed", "data"])
    return row, resumed


def do_process_inbound_mail(
    inbound_id: int, *, stale_after: timedelta = LEASE, retry: bool = False
) -> str | None:
    """Process one stored mail; returns its new state, or None when it was not ours to take
    (already done, or being processed by a live worker). `retry` takes failed mail too."""
    from casedesk.mail import handling

    raw = InboundMail.objects.filter(pk=inbound_id).values_list("raw", flat=True).first()
    if raw is None:
        return None
    try:
        parsed: parsing.ParsedMail | None = parsing.parse(bytes(raw))
        parse_error = ""
    except Exception:  # parsing never should; if it does, the mail is kept
        parsed, parse_error = None, traceback.format_exc(limit=5)
    claim = _claim(inbound_id, parsed, stale_after=stale_after, retry=retry)
    if claim is None:
        return None
    row, resumed = claim
    if parsed is None:
        _fail(row, parse_error)
        return State.FAILED
    try:
        result = handling.recover(row, parsed) if resumed else None
        if result is None:
            result = handling.handle(row, parsed)
    except Exception as error:  # any failure leaves the mail in the failed list
        logger.exception("inbound mail %s failed", inbound_id)
        # The cause first (the failed-mail list shows the start), the traceback after it.
        detail = "" if isinstance(error, DomainError) else "\n\n" + traceback.format_exc(limit=8)
        _fail(row, f"{type(error).__name__}: {error}{detail}")
        return State.FAILED
    _finish(row, parsed, result)
    return State.PROCESSED


def _fail(row: InboundMail, error: str) -> None:
    with transaction.atomic(durable=True):
        InboundMail.objects.filter(pk=row.pk).update(state=State.FAILED, error=error[:10_000])


def _finish(row: InboundMail, parsed: parsing.ParsedMail, result: Result) -> None:
    from casedesk.mail import tasks

    now = clock.now()
    data = {**row.data, **result.data}
    data.pop("attempted_case_work", None)
    with transaction.atomic(durable=True):
        InboundMail.objects.filter(pk=row.pk).update(
            state=State.PROCESSED,
            outcome=result.outcome,
            processed_at=now,
            case=result.case,
            case_message=result.message,
            error="",
            data=data,
        )
        if result.case is not None and parsed.message_id:
            key = message_id_key(parsed.message_id)
            if not MessageId.objects.filter(key=key).exists():
                MessageId.objects.create(
                    key=key,
                    value=parsed.message_id[:250],
                    case=result.case,
                    message=result.message,
                    direction=MessageId.Direction.IN,
                    created_at=now,
                )
        if result.answer:
            transaction.on_commit(lambda: tasks.send_inbound_answer(row.pk))


def pending_ids(*, older_than: timedelta, stale_after: timedelta = LEASE) -> list[int]:
    """Mail whose job was lost (stored, never processed) or whose worker died."""
    now = clock.now()
    return list(
        InboundMail.objects.filter(
            Q(state=State.RECEIVED, received_at__lte=now - older_than)
            | Q(state=State.PROCESSING, claimed_at__lte=now - stale_after)
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:1000]
    )


def do_process_pending_mail(
    *, older_than: timedelta = timedelta(0), stale_after: timedelta = LEASE
) -> int:
    done = 0
    for inbound_id in pending_ids(older_than=older_than, stale_after=stale_after):
        if do_process_inbound_mail(inbound_id, stale_after=stale_after) is not None:
            done += 1
    return done


def answer_already_recorded(row: InboundMail) -> bool:
    return OutboundMail.objects.filter(key=f"answer:{row.pk}").exists()


def held_request_for(row: InboundMail) -> HeldRequest | None:
    held_id = row.data.get("held_request")
    return HeldRequest.objects.filter(pk=held_id).first() if isinstance(held_id, int) else None
