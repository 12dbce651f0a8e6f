"""The one inbound pipeline for IMAP, LMTP/SMTP and the pipe: store raw, then process.

Storing is one short transaction keyed by Message-ID (or a content hash), so a message
delivered twice — also concurrently — is stored once, and the deliverer hears "stored" only
once it is committed. Processing does the case work through the cases actions and records the
outcome in one transaction: a worker that dies in between has committed nothing, and a mail
another worker recorded first rolls back, so nothing is done twice.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from casedesk.cases.attachments import delete_stored
from casedesk.cases.models import Attachment, Case, HeldRequest, Message
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.core.prepared import (
    PreparedInsert,
    PreparedModelQuery,
    PreparedQuery,
    PreparedUpdate,
)
from casedesk.mail import ids, parsing
from casedesk.mail.mimeutil import message_id_key
from casedesk.mail.models import InboundMail, Mailbox, MessageId, OutboundMail

logger = logging.getLogger(__name__)
# A claim (left by an earlier version, which committed claims separately) older than this
# belongs to a worker that died; the mail is processed again.
LEASE = timedelta(minutes=15)
State = InboundMail.State
Outcome = InboundMail.Outcome


_insert_inbound = PreparedInsert(InboundMail)


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
            row = _insert_inbound.save(
                InboundMail(
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
            )
            if process:
                transaction.on_commit(lambda: tasks.process_inbound_mail(row.pk), robust=True)
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


def _claimable(*, stale_before: datetime, retry: bool) -> Q:
    """Rows this run may take: new, failed when retrying, or abandoned mid-way by a worker
    of an earlier version that committed its claim separately."""
    claimable = Q(state=State.RECEIVED) | Q(state=State.PROCESSING, claimed_at__lte=stale_before)
    return claimable | Q(state=State.FAILED) if retry else claimable


# Run for every mail: the row to process (when retrying, failed ones too), and the locked
# check that it is still ours to record.
_claimable_row = {
    retry: PreparedModelQuery(
        lambda pk, stale_before, retry=retry: InboundMail.objects.filter(
            _claimable(stale_before=stale_before, retry=retry), pk=pk
        ),
        int,
        datetime,
    )
    for retry in (False, True)
}
_still_claimable = {
    retry: PreparedQuery(
        lambda pk, stale_before, retry=retry: (
            InboundMail.objects.select_for_update()
            .filter(_claimable(stale_before=stale_before, retry=retry), pk=pk)
            .values_list("attempts")
        ),
        int,
        datetime,
    )
    for retry in (False, True)
}
_update_inbound = PreparedUpdate(InboundMail)
_insert_message_id = PreparedInsert(MessageId, ignore_conflicts=True)
_FINISHED_FIELDS = [
    "state",
    "outcome",
    "processed_at",
    "claimed_at",
    "attempts",
    "auto_reply_allowed",
    "case",
    "case_message",
    "error",
    "data",
]


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


class _TakenByAnother(Exception):
    """Another worker recorded this mail first; everything done here is rolled back."""


def do_process_inbound_mail(
    inbound_id: int, *, stale_after: timedelta = LEASE, retry: bool = False
) -> str | None:
    """Process one stored mail; returns its new state, or None when it was not ours to take
    (already done, or done by another worker meanwhile). `retry` takes failed mail too.

    The case work and the record of the outcome are one transaction: a worker killed
    half-way leaves the mail as it was, to be processed again, and nothing done twice.
    """
    from casedesk.mail import handling

    stale_before = clock.now() - stale_after
    claimable = _claimable(stale_before=stale_before, retry=retry)
    row = _claimable_row[retry].first(inbound_id, stale_before)
    if row is None:
        return None
    try:
        parsed = parsing.parse(bytes(row.raw))
    except Exception:  # parsing never should; if it does, the mail is kept
        _fail(row, traceback.format_exc(limit=5), claimable)
        return State.FAILED
    files: list[str] = []
    committed: list[bool] = []
    try:
        with transaction.atomic(durable=True):
            # The first commit hook, so it runs even if a later one fails.
            transaction.on_commit(lambda: committed.append(True))
            result = handling.handle(row, parsed)
            # Stored before the rows that name them: removed again if this rolls back.
            # (An approval by mail stores copies of the request's files, with no attachment
            # in the mail itself.)
            named = parsed.attachments or "held_files" in result.data
            files = _stored_files(result) if named else []
            if not _finish(row, parsed, result, stale_before=stale_before, retry=retry):
                raise _TakenByAnother
    except _TakenByAnother:
        delete_stored(files)
        return None
    except Exception as error:  # any failure leaves the mail in the failed list
        if committed:
            # The mail is recorded; what failed ran after the commit. Marking it failed would
            # let a retry make the case twice.
            logger.exception("inbound mail %s: failure after it was recorded", inbound_id)
            return State.PROCESSED
        delete_stored(files)
        logger.exception("inbound mail %s failed", inbound_id)
        # The cause first (the failed-mail list shows the start), the traceback after it.
        detail = "" if isinstance(error, DomainError) else "\n\n" + traceback.format_exc(limit=8)
        if not _fail(row, f"{type(error).__name__}: {error}{detail}", claimable):
            return None  # recorded by another worker meanwhile
        return State.FAILED
    return State.PROCESSED


def _stored_files(result: Result) -> list[str]:
    # Named by the outcome when this mail stored files with a request that already had some
    # (a follow-up), or none at all (a decision): only this mail's are removed on rollback.
    named = result.data.get("held_files")
    if isinstance(named, list):
        return [str(path) for path in named]
    if result.message is not None:
        return list(
            Attachment.objects.filter(message=result.message).values_list("file", flat=True)
        )
    held_id = result.data.get("held_request")
    if isinstance(held_id, int):
        held = HeldRequest.objects.filter(pk=held_id).values_list("files", flat=True).first()
        return [f["path"] for f in held or []]
    return []


def _fail(row: InboundMail, error: str, claimable: Q) -> bool:
    """Only a mail still waiting: one another worker recorded meanwhile stays recorded."""
    with transaction.atomic(durable=True):
        failed = InboundMail.objects.filter(claimable, pk=row.pk).update(
            state=State.FAILED, error=error[:10_000], attempts=F("attempts") + 1
        )
    return bool(failed)


def _finish(
    row: InboundMail,
    parsed: parsing.ParsedMail,
    result: Result,
    *,
    stale_before: datetime,
    retry: bool,
) -> bool:
    """Record the outcome, unless another worker got there first (then False)."""
    from casedesk.mail import tasks

    locked = _still_claimable[retry].first(row.pk, stale_before)
    if locked is None:
        return False
    now = clock.now()
    reason = _no_auto_reply_reason(row, parsed)
    row.state, row.outcome, row.error = State.PROCESSED, result.outcome, ""
    row.processed_at = row.claimed_at = now
    row.attempts = locked[0] + 1
    row.auto_reply_allowed = not reason
    row.case, row.case_message = result.case, result.message
    row.data = {**row.data, "no_auto_reply": reason, **result.data}
    _update_inbound.save(row, update_fields=_FINISHED_FIELDS)
    if result.case is not None and parsed.message_id:
        # The sender's Message-ID threads their later replies; a provider that reuses one
        # keeps the first case it named.
        _insert_message_id.save(
            MessageId(
                key=message_id_key(parsed.message_id),
                value=parsed.message_id[:250],
                case=result.case,
                message=result.message,
                direction=MessageId.Direction.IN,
                created_at=now,
            )
        )
    if result.answer:
        transaction.on_commit(lambda: tasks.send_inbound_answer(row.pk), robust=True)
    return True


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
