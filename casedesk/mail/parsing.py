"""Raw e-mail bytes to a ParsedMail: pure Python (no Django), never raises on bad input.

Whatever the message looks like — wrong or unknown charsets, broken MIME, no headers, deep
nesting — parsing returns what it could read and lists the rest in `defects`; the raw bytes
stay with the caller, so nothing read badly here is lost.
"""

from __future__ import annotations

import email
import functools
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from typing import cast

from casedesk.mail import quoting
from casedesk.mail.mimeutil import (
    addresses,
    charset,
    decode_bytes,
    disposition,
    filename,
    header,
    html_to_text,
    message_ids,
    normalize_message_id,
    payload,
)


class _ReusingPolicy(policy.EmailPolicy):
    """policy.default, except that recently parsed header values are handed out again: the
    standard library parses a header on every read, and walking a message reads each part's
    Content-Type about ten times. Parsed headers are immutable, so sharing them is safe; the
    cache is small (parsed headers are large objects) and holds no long values."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name") or len(value) > _REUSED_MAX_LENGTH:
            return cast(str, super().header_fetch_parse(name, value))
        return _parsed_header(name, value)


_REUSED_MAX_LENGTH = 1000  # long values (thousands of recipients) are rare: not kept


@functools.lru_cache(maxsize=256)
def _parsed_header(name: str, value: str) -> str:
    return policy.default.header_fetch_parse(name, value)  # type: ignore[no-any-return]


POLICY = _ReusingPolicy()

# Deeper MIME trees than this are not walked further (their parts become one opaque file).
MAX_DEPTH = 40
MAX_PARTS = 500
# Names in From that mean "a machine", never a person expecting an answer (RFC 3834).
MACHINE_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply"})
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
# Subject prefixes of out-of-office answers from clients that send no Auto-Submitted header.
# Only as a prefix with a colon: "Fravær i timelisten" is a real question (seed 003).
_OOO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|autosvar|"
    r"automatiske? svar|automatiskt svar|fraværsmelding|frånvaromeddelande|frånvaro|"
    r"afwezig|automatisch antwoord|afwezigheidsmelding|abwesenheitsnotiz)\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    """What a DSN (RFC 3464) says about one recipient of a message we sent."""

    recipient: str
    action: str
    status: str
    diagnostic: str
    original_message_id: str
    original_subject: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str
    from_name: str
    reply_to: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html: str
    reply: str
    quoted: str
    attachments: tuple[ParsedAttachment, ...]
    auto_submitted: str
    automatic_reason: str
    is_auto_reply: bool
    bounce: DeliveryReport | None
    mentioned_ids: tuple[str, ...] = ()
    defects: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_automatic(self) -> bool:
        return bool(self.automatic_reason)

    @property
    def all_reference_ids(self) -> tuple[str, ...]:
        """In-Reply-To first (the message answered), then References newest first."""
        seen: dict[str, None] = dict.fromkeys(self.in_reply_to)
        seen.update(dict.fromkeys(reversed(self.references)))
        return tuple(seen)


@dataclass(frozen=True)
class Summary:
    """The few headers needed to store a message, read without parsing the body."""

    message_id: str
    from_address: str
    subject: str
    dedup_key: str


def summarize(raw: bytes) -> Summary:
    try:
        msg = BytesHeaderParser(policy=POLICY).parsebytes(raw)
        mid = normalize_message_id(header(msg, "Message-ID"))
        sender = addresses(msg, "From")
        subject = header(msg, "Subject")
    except Exception:  # unreadable headers: store by content hash
        mid, sender, subject = "", [], ""
    if mid:
        key = "m:" + hashlib.sha256(mid.encode("utf-8", "replace")).hexdigest()
    else:
        key = "h:" + _content_hash(raw)
    return Summary(mid[:250], sender[0][1][:254] if sender else "", subject[:250], key)


def _content_hash(raw: bytes) -> str:
    """Hash of the message without the trace headers each delivery adds, so the same
    message without a Message-ID delivered by two routes is still recognised."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    trace = (b"received:", b"return-path:", b"delivered-to:", b"x-original-to:", b"x-")
    lines = re.split(rb"\r?\n(?![ \t])", head)
    kept = [ln for ln in lines if not ln.lower().startswith(trace)]
    digest = hashlib.sha256(b"\n".join(kept))
    digest.update(body.replace(b"\r\n", b"\n"))
    return digest.hexdigest()


@dataclass
class _Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    report: list[Message] = field(default_factory=list)
    original_headers: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _default_name(content_type: str, n: int) -> str:
    ext = {"text/plain": ".txt", "message/rfc822": ".eml", "image/jpeg": ".jpg"}.get(
        content_type
    ) or (mimetypes.guess_extension(content_type) or ".bin")
    return f"attachment-{n}{ext}"


def _attachment(part: Message, w: _Walk, content_type: str) -> None:
    if content_type == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            inner = inner[0]
        data = inner.as_bytes() if isinstance(inner, Message) else payload(part)
    else:
        data = payload(part)
    name = filename(part) or _default_name(content_type, len(w.attachments) + 1)
    cid = normalize_message_id(header(part, "Content-ID"))
    w.attachments.append(
        ParsedAttachment(name, content_type, data, cid, disposition(part) == "inline")
    )


def _walk(root: Message) -> _Walk:
    """Depth-first over the MIME tree without recursion (deep nesting must not crash);
    in multipart/alternative the plain part is the text and the HTML part the HTML."""
    w = _Walk()
    stack: list[tuple[Message, int, str]] = [(root, 0, "")]
    plain_alternatives: set[str] = set()
    seen = 0
    while stack:
        part, depth, alternative = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            w.defects.append("too many MIME parts; the rest is only in the raw message")
            break
        content_type = part.get_content_type()
        # message/* parts hold whole messages: a report, or a mail attached as a file
        # (forwarded), whose text is not part of this one's.
        if content_type == "message/delivery-status":
            w.report.append(part)
            continue
        if content_type == "text/rfc822-headers":
            w.original_headers.append(email.message_from_bytes(payload(part), policy=POLICY))
            continue
        if content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                w.original_headers.append(inner[0])
            _attachment(part, w, content_type)
            continue
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                continue
            if depth >= MAX_DEPTH:
                w.defects.append("MIME nesting too deep; inner parts kept in the raw message")
                continue
            tag = f"{id(part)}" if content_type == "multipart/alternative" else alternative
            for child in reversed(children):
                if isinstance(child, Message):
                    stack.append((child, depth + 1, tag))
            continue
        if content_type.startswith("multipart/"):
            # A multipart without a usable boundary: its bytes are all we have, as text.
            content_type = "text/plain"
        is_body = (
            content_type in ("text/plain", "text/html")
            and disposition(part) != "attachment"
            and not filename(part)
        )
        if not is_body:
            _attachment(part, w, content_type)
            continue
        text = decode_bytes(payload(part), charset(part)).replace("\r\n", "\n").replace("\r", "\n")
        if content_type == "text/html":
            w.htmls.append(text)
            continue
        if alternative:
            if alternative in plain_alternatives:
                continue  # a second plain rendering of the same content
            plain_alternatives.add(alternative)
        w.texts.append(text)
    return w


# --- classification -----------------------------------------------------------------------


def _automatic_reason(msg: Message, from_address: str, auto_submitted: str) -> str:
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header(msg, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Auto-Response-Suppress", "List-Id", "List-Unsubscribe", "X-Autoreply"):
        if header(msg, name):
            return f"{name} present"
    if header(msg, "X-Autorespond"):
        return "X-Autorespond present"
    if from_address.split("@")[0] in MACHINE_LOCALPARTS:
        return f"from {from_address}"
    if header(msg, "Return-Path").replace(" ", "") == "<>":
        return "null sender"
    return ""


def _report_fields(part: Message) -> list[dict[str, str]]:
    """The blocks of a message/delivery-status part as dicts of lower-case names."""
    blocks: list[dict[str, str]] = []
    children = part.get_payload()
    if isinstance(children, list):
        for block in children:
            if isinstance(block, Message):
                blocks.append({k.lower(): str(v) for k, v in block.items()})
    else:
        text = decode_bytes(payload(part), None)
        for chunk in re.split(r"\r?\n\s*\r?\n", text):
            fields = {
                k.strip().lower(): v.strip()
                for k, _sep, v in (ln.partition(":") for ln in chunk.splitlines())
                if _sep
            }
            if fields:
                blocks.append(fields)
    return blocks


def _bounce(msg: Message, w: _Walk, from_address: str) -> DeliveryReport | None:
    content_type = msg.get_content_type()
    report_type = str(msg.get_param("report-type", "") or "").lower()
    is_dsn = (content_type == "multipart/report" and report_type == "delivery-status") or bool(
        w.report
    )
    if not is_dsn:
        return None
    recipients = [b for part in w.report for b in _report_fields(part) if "action" in b]
    first = recipients[0] if recipients else {}
    recipient = first.get("final-recipient") or first.get("original-recipient") or ""
    recipient = recipient.split(";", 1)[-1].strip().strip("<>").lower()
    original = w.original_headers[0] if w.original_headers else None
    return DeliveryReport(
        recipient=recipient,
        action=first.get("action", "").strip().lower(),
        status=first.get("status", "").strip()[:20],
        diagnostic=first.get("diagnostic-code", "").split(";", 1)[-1].strip()[:2000],
        original_message_id=normalize_message_id(header(original, "Message-ID"))
        if original is not None
        else "",
        original_subject=header(original, "Subject") if original is not None else "",
    )


def _date(msg: Message) -> datetime | None:
    try:
        value = parsedate_to_datetime(header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo is not None else None


def _parse_message(raw: bytes) -> tuple[Message, list[str]]:
    defects: list[str] = []
    try:
        msg: Message = email.message_from_bytes(raw, policy=POLICY)
    except (RecursionError, Exception) as error:
        defects.append(f"body unreadable ({type(error).__name__}); headers only")
        msg = BytesHeaderParser(policy=POLICY).parsebytes(raw)
        msg.set_payload(raw.partition(b"\n\n")[2].decode("utf-8", "replace"))
    return msg, defects


def parse(raw: bytes, *, languages: tuple[str, ...] = quoting.LANGUAGES) -> ParsedMail:
    msg, defects = _parse_message(raw)
    try:
        w = _walk(msg)
    except RecursionError:
        w = _Walk(texts=[decode_bytes(raw, None)], defects=["MIME structure unreadable"])
    defects += w.defects + [type(d).__name__ for d in getattr(msg, "defects", [])][:20]
    senders = addresses(msg, "From") or addresses(msg, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    reply_to = addresses(msg, "Reply-To")
    auto_submitted = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    subject = header(msg, "Subject")
    html = "\n".join(w.htmls)
    text = "\n\n".join(t.strip("\n") for t in w.texts if t.strip())
    if not text.strip() and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n")
    reply, quoted = quoting.split_reply(text, languages=languages)
    bounce = _bounce(msg, w, from_address)
    is_auto_reply = (
        auto_submitted == "auto-replied"
        or bool(header(msg, "X-Autoreply") or header(msg, "X-Autorespond"))
        or bool(_OOO_SUBJECT.match(subject))
    )
    mentioned: tuple[str, ...] = ()
    if bounce is not None or from_address.split("@")[0] in MACHINE_LOCALPARTS:
        # Bounces that quote only the body of our mail still name its Message-ID somewhere.
        mentioned = message_ids(raw[:200_000].decode("utf-8", "replace"))
    return ParsedMail(
        message_id=normalize_message_id(header(msg, "Message-ID")),
        in_reply_to=message_ids(header(msg, "In-Reply-To")),
        references=message_ids(header(msg, "References")),
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else "",
        to=tuple(a for _n, a in addresses(msg, "To")),
        cc=tuple(a for _n, a in addresses(msg, "Cc")),
        delivered_to=tuple(
            a for name in ("Delivered-To", "X-Original-To") for _n, a in addresses(msg, name)
        ),
        subject=subject,
        date=_date(msg),
        text=text,
        html=html,
        reply=reply,
        quoted=quoted,
        attachments=tuple(w.attachments),
        auto_submitted=auto_submitted,
        automatic_reason=_automatic_reason(msg, from_address, auto_submitted),
        is_auto_reply=is_auto_reply,
        bounce=bounce,
        mentioned_ids=mentioned,
        defects=tuple(defects),
    )


def as_email_message(raw: bytes) -> EmailMessage | None:
    """The parsed tree, for pages that show a part (e.g. an inline image) of a stored mail."""
    msg, _defects = _parse_message(raw)
    return msg if isinstance(msg, EmailMessage) else None
