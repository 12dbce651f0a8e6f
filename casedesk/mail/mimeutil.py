"""Reading headers and parts of a message tolerantly: pure Python, never raises on bad input.

Mail lies about its charsets and mangles its headers; every reader here falls back to what can
be read rather than fail (the raw bytes are kept elsewhere).
"""

from __future__ import annotations

import hashlib
import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

MAX_HEADER_CHARS = 4000
_MSGID = re.compile(r"<([^<>\s]{1,500})>")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_CHARSET_ALIASES = {"unknown-8bit": "utf-8", "x-unknown": "utf-8", "x-user-defined": "cp1252"}
# Mail labelled Latin-1 or ASCII is UTF-8 when it decodes as UTF-8 (such text in real Latin-1
# is all but impossible), else nearly always Windows-1252: Outlook's "–", "’", "€" sit in
# 0x80-0x9F, where Latin-1 has control characters (browsers read it so too, WHATWG).
# Latin-1 stays last for the five bytes Windows-1252 leaves undefined.
_READ_AS_CP1252 = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"}
)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, whatever charset they claim; never raises."""
    if "=?" not in value:
        return value
    parts: list[str] = []
    try:
        chunks = decode_header(value)
    except Exception:  # a broken header is kept as written
        return value
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            parts.append(decode_bytes(chunk, charset))
    return "".join(parts)


def raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def header(msg: Message, name: str) -> str:
    """One header as text, unfolded and decoded; "" when absent or unreadable."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:  # policy.default can trip over malformed headers
        text = decode_words(raw_header(msg, name))
    if _C1_CONTROLS.search(text):
        # Read as Latin-1 what was written in Windows-1252: decode the words ourselves.
        text = decode_words(raw_header(msg, name))
    text = re.sub(r"\s*\r?\n\s*", " ", text).strip()
    return without_nul(text[:MAX_HEADER_CHARS])


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        values = [str(v) for v in msg.get_all(name, [])]
    except Exception:
        values = [decode_words(raw_header(msg, name))]
    found: list[tuple[str, str]] = []
    for display, addr in getaddresses([v[:MAX_HEADER_CHARS] for v in values]):
        addr = without_nul(addr.strip().strip("<>").lower())
        if "@" in addr and " " not in addr:
            found.append((display.strip(), addr))
    return found


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in a header, without angle brackets; tolerant of missing brackets."""
    found = _MSGID.findall(value)
    if not found and value.strip() and "@" in value:
        found = [w.strip("<>") for w in value.split() if "@" in w]
    return tuple(dict.fromkeys(i for i in found if i))[:100]


def normalize_message_id(value: str) -> str:
    ids = message_ids(value)
    return ids[0] if ids else value.strip().strip("<>")


def message_id_key(value: str) -> str:
    return hashlib.sha256(normalize_message_id(value).encode("utf-8", "replace")).hexdigest()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset first, then UTF-8, then Windows-1252: mail lies about charsets."""
    candidates = []
    if charset:
        name = charset.strip().strip('"').lower()
        if name in _READ_AS_CP1252:
            candidates += ["utf-8", "cp1252", "iso-8859-1"]
        else:
            candidates.append(_CHARSET_ALIASES.get(name, name))
    candidates += ["utf-8", "cp1252"]
    for name in candidates:
        try:
            return without_nul(data.decode(name))
        except (LookupError, UnicodeDecodeError):
            continue
    return without_nul(data.decode("utf-8", "replace"))


def without_nul(text: str) -> str:
    # PostgreSQL text cannot hold NUL; a NUL in mail text is garbage anyway (raw is kept).
    return text.replace("\x00", "\ufffd")


def payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken transfer encoding: keep what is there
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def html_to_text(html: str) -> str:
    try:
        from inscriptis import get_text

        return str(get_text(html)).strip()
    except Exception:  # unparseable markup: drop the tags the crude way
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html)
        return re.sub(r"<[^>]+>", " ", text).strip()


def filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return decode_words(str(name)).strip()


def disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:
        return ""
