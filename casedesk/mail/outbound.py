"""Every mail we send about a case goes through `deliver`.

Each gets a Message-ID of our domain that names its case (signed), In-Reply-To/References so
mail clients thread it, the case tag in the subject, a reply address that routes back to the
case, `Auto-Submitted: auto-generated` when a machine wrote it, and a plain-text body with an
HTML alternative. The send is recorded (OutboundMail): a job that runs twice does not send
twice, and a failed send stays visible on the case with its error.
"""

from __future__ import annotations

import logging
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import translation

from casedesk.cases.models import Case, Message
from casedesk.core import clock
from casedesk.core.prepared import PreparedInsert, PreparedQuery, PreparedUpdate
from casedesk.mail import ids
from casedesk.mail.mimeutil import message_id_key
from casedesk.mail.models import AddressFlag, MessageId, OutboundMail

logger = logging.getLogger(__name__)
# How many earlier Message-IDs of the thread a mail lists in References (plus the root).
REFERENCES_KEPT = 8


@dataclass
class CaseMail:
    """What a notification wants to say; `deliver` adds everything mail needs around it."""

    kind: str
    key: str
    to: str
    subject: str
    text: str
    html: str
    language: str
    case: Case | None = None
    message: Message | None = None
    cc: list[str] = field(default_factory=list)
    automatic: bool = True
    in_reply_to: str = ""
    # Automatic mail that answers a mail someone sent us: the hourly limit applies to it.
    answers_mail: bool = False
    # Set by the caller when the mail answers something that must not get an automatic
    # answer (RFC 3834), e.g. an auto-submitted message that opened the case: inbound
    # handling's reason, stored as a code (inbound_refusal).
    suppress_reason: str = ""
    # (filename, content, MIME type), e.g. a calendar invitation.
    attachments: list[tuple[str, bytes | str, str]] = field(default_factory=list)
    # Mail about a request held for approval (it has no case yet): its Message-ID names the
    # request, so a reply to it (a follow-up, a reference person's answer) finds it again.
    held_request_id: int | None = None


def case_subject(case: Case, subject: str, language: str) -> str:
    """The subject with the case tag, e.g. "[Case 2026-000123] …", in the reader's language."""
    if case.number in subject:
        return subject
    with translation.override(language):
        tag = translation.gettext("[Case %(number)s]") % {"number": case.number}
    return f"{tag} {subject}"


# Read for every mail we send about a case: prepared (see core.prepared).
_latest_ids = PreparedQuery(
    lambda case_id: (
        MessageId.objects.filter(case_id=case_id)
        .order_by("-created_at", "-id")
        .values_list("value", "direction")[:REFERENCES_KEPT]
    ),
    int,
)
_latest_received_id = PreparedQuery(
    lambda case_id: (
        MessageId.objects.filter(case_id=case_id, direction=MessageId.Direction.IN)
        .order_by("-created_at", "-id")
        .values_list("value")[:1]
    ),
    int,
)


def thread_ids(case: Case) -> tuple[list[str], str]:
    """The case's root id then the latest ids we sent or received about it (oldest first),
    and the last one received, which a new mail answers."""
    latest = _latest_ids.rows(case.pk)
    received = next((v for v, d in latest if d == MessageId.Direction.IN), "")
    if not received and len(latest) == REFERENCES_KEPT:
        found = _latest_received_id.first(case.pk)
        received = found[0] if found else ""
    root = ids.make_message_id(case.pk, root=True)
    return [root, *(v for v, _d in reversed(latest))], received


_permanent_flag = PreparedQuery(
    lambda email: AddressFlag.objects.filter(email=email, permanent=True).values_list(
        "last_status"
    )[:1],
    str,
)
# How many answers went to an address since a time, not counting one key (a job that runs
# again must not count its own mail); no row when there were none.
_answers_since = PreparedQuery(
    lambda address, since, exclude_key: (
        OutboundMail.objects.filter(
            answers_mail=True,
            to_address=address,
            created_at__gte=since,
            state__in=[OutboundMail.State.SENT, OutboundMail.State.PENDING],
        )
        .exclude(key=exclude_key)
        .order_by()
        .values("to_address")
        .annotate(count=Count("pk"))
        .values_list("count")
    ),
    str,
    datetime,
    str,
)


Suppression = OutboundMail.Suppression
# The reasons inbound mail handling gives for "no automatic answer" (InboundMail.data), as
# codes; any other reason is a header that marked the mail automatic, kept as the detail.
_INBOUND_REASONS = {
    "no sender address": Suppression.NO_SENDER,
    "sent from our own address": Suppression.OWN_ADDRESS,
    "null sender": Suppression.NULL_SENDER,
}
_NO_DETAIL = frozenset({"", "-", "automatic"})


@dataclass(frozen=True)
class Refusal:
    """A suppression code and its technical detail (a bounce status, a header)."""

    code: str
    detail: str = ""


def inbound_refusal(reason: str) -> Refusal:
    """The code for why the mail we would answer must get no automatic answer."""
    reason = reason.strip()
    if reason in _INBOUND_REASONS:
        return Refusal(_INBOUND_REASONS[reason])
    if reason in _NO_DETAIL:
        return Refusal(Suppression.AUTOMATIC)
    detail = reason.removesuffix(" present").removeprefix("from ")
    return Refusal(Suppression.AUTOMATIC, detail)


def suppression_reason(
    address: str, *, exclude_key: str = "", answering: bool = True
) -> Refusal | None:
    """Why an automatic mail to this address must not go out now, or None.

    The hourly limit is for `answering` mail, which replies to a mail someone sent us, and
    counts only such mail: two machines answering each other is the loop it stops (RFC
    3834). A receipt for a case opened in the portal or by phone, or a reminder, answers no
    mail, and a customer opening many cases in an outage should get each one."""
    # Flags are stored in lower case (handling._bounce): an exact match uses the unique index.
    flag = _permanent_flag.first(address.lower())
    if flag is not None:
        return Refusal(Suppression.BOUNCED, flag[0])
    if not answering:
        return None
    limit = int(settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR)
    counted = _answers_since.first(address.lower(), clock.now() - timedelta(hours=1), exclude_key)
    recent = counted[0] if counted else 0
    if recent >= limit:
        return Refusal(Suppression.RATE_LIMIT, str(recent))
    return None


_insert_outbound = PreparedInsert(OutboundMail)
_insert_message_id = PreparedInsert(MessageId)


def _record(mail: CaseMail) -> OutboundMail:
    """The row for this mail, made once; its Message-ID is known before anything is sent,
    so a reply that arrives fast still threads. A job that runs again finds its row by the
    key's unique constraint (nearly every call is the first, so no lookup comes first)."""
    case_id = mail.case.pk if mail.case is not None else 0
    if mail.case is None and mail.held_request_id is not None:
        message_id = ids.make_held_message_id(mail.held_request_id)
    else:
        message_id = ids.make_message_id(case_id)
    subject = mail.subject
    if mail.case is not None:
        subject = case_subject(mail.case, subject, mail.language)
    now = clock.now()
    try:
        with transaction.atomic():
            record = _insert_outbound.save(
                OutboundMail(
                    key=mail.key,
                    kind=mail.kind,
                    case=mail.case,
                    case_message=mail.message,
                    to_address=mail.to.lower(),
                    cc="\n".join(mail.cc),
                    subject=subject[:250],
                    message_id=message_id,
                    automatic=mail.automatic,
                    answers_mail=mail.answers_mail,
                    created_at=now,
                )
            )
            if mail.case is not None:
                _insert_message_id.save(
                    MessageId(
                        key=message_id_key(message_id),
                        value=message_id,
                        case=mail.case,
                        message=mail.message,
                        direction=MessageId.Direction.OUT,
                        created_at=now,
                    )
                )
    except IntegrityError:
        # Made by an earlier run of the same job, or by one running concurrently.
        return OutboundMail.objects.get(key=mail.key)
    return record


def build(mail: CaseMail, record: OutboundMail) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{record.message_id}>"}
    reply_to: list[str] = []
    if mail.case is not None:
        thread, received = thread_ids(mail.case)
        references = [i for i in thread if i != record.message_id]
        answered = mail.in_reply_to or received or references[-1]
        headers["In-Reply-To"] = f"<{answered}>"
        if answered not in references:
            references.append(answered)
        headers["References"] = " ".join(f"<{i}>" for i in references)
        reply_to = [ids.reply_address(mail.case.pk)]
        headers["X-Casedesk-Case"] = mail.case.number
    elif mail.in_reply_to:
        headers["In-Reply-To"] = f"<{mail.in_reply_to}>"
        headers["References"] = f"<{mail.in_reply_to}>"
    if mail.automatic:
        # RFC 3834: machine-made mail says so, so auto-responders do not answer it; the
        # second header asks Exchange for the same.
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    message = EmailMultiAlternatives(
        subject=record.subject,
        body=mail.text,
        to=[mail.to],
        cc=mail.cc,
        reply_to=reply_to,
        headers=headers,
    )
    message.attach_alternative(mail.html, "text/html")
    for filename, content, mimetype in mail.attachments:
        message.attach(filename, content, mimetype)
    return message


_update_outbound = PreparedUpdate(OutboundMail)


def _mark(record: OutboundMail, **fields: object) -> None:
    for name, value in fields.items():
        setattr(record, name, value)
    _update_outbound.save(record, update_fields=list(fields))


def deliver(mail: CaseMail) -> OutboundMail:
    """Send once. Raises when the send fails, so the calling job retries; the row keeps the
    error for the case page meanwhile."""
    record = _record(mail)
    if record.state in (OutboundMail.State.SENT, OutboundMail.State.SUPPRESSED):
        return record
    if mail.automatic:
        refusal = (
            inbound_refusal(mail.suppress_reason)
            if mail.suppress_reason
            else suppression_reason(mail.to, exclude_key=mail.key, answering=mail.answers_mail)
        )
        if refusal is not None:
            logger.info("not sending %s to %s: %s %s", mail.key, mail.to, *astuple(refusal))
            _mark(
                record,
                state=OutboundMail.State.SUPPRESSED,
                suppression=refusal.code,
                error=refusal.detail,
            )
            return record
    try:
        build(mail, record).send()
    except Exception as error:
        _mark(
            record,
            state=OutboundMail.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            attempts=record.attempts + 1,
        )
        raise
    _mark(
        record,
        state=OutboundMail.State.SENT,
        error="",
        attempts=record.attempts + 1,
        sent_at=clock.now(),
    )
    return record


def deliver_email(
    email: EmailMultiAlternatives,
    *,
    kind: str,
    key: str,
    case: Case | None,
    language: str,
    automatic: bool = True,
) -> OutboundMail:
    """`deliver` for code that already built its message (e.g. reminders): its subject, text,
    HTML alternative, attachments and first recipient go out with our headers."""
    html = next((str(c) for c, t in email.alternatives if t == "text/html"), "")
    files = [a for a in email.attachments if isinstance(a, tuple)]
    return deliver(
        CaseMail(
            kind=kind,
            key=key,
            to=email.to[0],
            subject=str(email.subject),
            text=str(email.body),
            html=html,
            language=language,
            case=case,
            cc=list(email.cc),
            automatic=automatic,
            attachments=[(str(name), content, str(mimetype)) for name, content, mimetype in files],
        )
    )
