"""Our Message-IDs and reply addresses, each carrying its case, signed with the site's secret.

A reply that names one of them in In-Reply-To/References or is sent to the address finds its
case without any lookup, and a forged one (another case's number guessed) fails the signature.
Lower-case hex and base-36 only, because mail systems may change the case of local parts.
"""

from __future__ import annotations

import hmac
import re
import secrets
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "casedesk.mail.ids"
_OUR_ID = re.compile(r"^cd\.([0-9a-z]{1,12})\.([0-9a-z]{1,24})\.([0-9a-f]{16})@", re.IGNORECASE)
# Mail about a held request (no case yet): its own prefix and salt, so such an id can never
# be read as a case's, and a reply to it still finds the request without any lookup.
_HELD_SALT = "casedesk.mail.ids.held"
_HELD_ID = re.compile(r"^cdh\.([0-9a-z]{1,12})\.([0-9a-z]{1,24})\.([0-9a-f]{16})@", re.IGNORECASE)
_TOKEN = re.compile(r"^c([0-9a-z]{1,12})-([0-9a-f]{12})$")


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
        if not number:
            return out


def _sign(value: str, length: int) -> str:
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:length]


def mail_domain() -> str:
    return str(settings.CASEDESK_MAIL_DOMAIN)


def make_message_id(case_id: int, *, root: bool = False) -> str:
    """A new Message-ID (without angle brackets) for mail about the case; `root` gives the
    case's stable thread root, which every mail about it references."""
    case = _b36(case_id)
    nonce = "root" if root else secrets.token_hex(8)
    return f"cd.{case}.{nonce}.{_sign(f'{case}.{nonce}', 16)}@{mail_domain()}"


def case_id_from_message_id(message_id: str) -> int | None:
    match = _OUR_ID.match(message_id.strip().strip("<>"))
    if match is None:
        return None
    case, nonce, signature = (g.lower() for g in match.groups())
    if not hmac.compare_digest(_sign(f"{case}.{nonce}", 16), signature):
        return None
    return int(case, 36)


def make_held_message_id(held_id: int) -> str:
    """A new Message-ID (without angle brackets) for mail about a held request."""
    held, nonce = _b36(held_id), secrets.token_hex(8)
    signature = salted_hmac(_HELD_SALT, f"{held}.{nonce}", algorithm="sha256").hexdigest()[:16]
    return f"cdh.{held}.{nonce}.{signature}@{mail_domain()}"


def held_id_from_message_id(message_id: str) -> int | None:
    match = _HELD_ID.match(message_id.strip().strip("<>"))
    if match is None:
        return None
    held, nonce, signature = (g.lower() for g in match.groups())
    expected = salted_hmac(_HELD_SALT, f"{held}.{nonce}", algorithm="sha256").hexdigest()[:16]
    if not hmac.compare_digest(expected, signature):
        return None
    return int(held, 36)


def _address(value: str) -> str:
    return parseaddr(value)[1].lower()


def reply_address(case_id: int) -> str:
    """`support+c<case>-<signature>@domain`: replies to it go back to the case."""
    local, _at, domain = _address(settings.CASEDESK_REPLY_ADDRESS).rpartition("@")
    case = _b36(case_id)
    return f"{local}+c{case}-{_sign('reply.' + case, 12)}@{domain}"


def case_id_from_address(address: str) -> int | None:
    local = address.strip().strip("<>").rpartition("@")[0].lower()
    if "+" not in local:
        return None
    match = _TOKEN.match(local.rpartition("+")[2])
    if match is None:
        return None
    case, signature = match.groups()
    if not hmac.compare_digest(_sign("reply." + case, 12), signature):
        return None
    return int(case, 36)


def is_our_address(address: str) -> bool:
    """Mail from our own addresses is our own mail coming back: a loop."""
    address = address.lower()
    ours = {_address(settings.DEFAULT_FROM_EMAIL), _address(settings.CASEDESK_REPLY_ADDRESS)}
    if address in ours:
        return True
    local, _at, domain = address.rpartition("@")
    base = local.partition("+")[0]
    return any(f"{base}@{domain}" == a for a in ours)
