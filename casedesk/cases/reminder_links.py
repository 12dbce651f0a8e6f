"""Signed, expiring one-click links in reminder e-mails: close the case, or "still a problem".

A token carries the case, the answer and the requester it was sent to, signed with the site's
secret and a salt of its own, so it cannot be altered, replayed against another case or mixed
up with other signed values. It grants nothing beyond that one answer on that one case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse

from casedesk.cases.models import Case

SALT = "casedesk.reminder-link"
MAX_AGE = timedelta(days=30)


class LinkAction(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"  # "still a problem"


class InvalidLink(Exception):
    """Tampered, truncated or otherwise not a reminder link of ours."""


class ExpiredLink(InvalidLink):
    """Genuine but older than MAX_AGE."""


@dataclass(frozen=True)
class ReminderLink:
    case_id: int
    action: LinkAction
    contact_id: int


def make_token(*, case_id: int, action: LinkAction, contact_id: int) -> str:
    return signing.dumps({"c": case_id, "a": str(action), "p": contact_id}, salt=SALT)


def read_token(token: str) -> ReminderLink:
    """The link's payload; raises ExpiredLink or InvalidLink."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ExpiredLink(str(exc)) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidLink(str(exc)) from exc
    # Signed by us, but a payload of the wrong shape (e.g. from an older format) must not
    # become a 500 further down.
    if not isinstance(payload, dict):
        raise InvalidLink("payload is not a mapping")
    case_id, action, contact_id = payload.get("c"), payload.get("a"), payload.get("p")
    if type(case_id) is not int or type(contact_id) is not int:
        raise InvalidLink("payload ids are not integers")
    if not isinstance(action, str) or action not in {m.value for m in LinkAction}:
        raise InvalidLink("unknown action")
    return ReminderLink(case_id=case_id, action=LinkAction(action), contact_id=contact_id)


def link_url(*, case_id: int, action: LinkAction, contact_id: int) -> str:
    token = make_token(case_id=case_id, action=action, contact_id=contact_id)
    return settings.BASE_URL.rstrip("/") + reverse("portal:reminder_link", args=[token])


def case_for_link(link: ReminderLink) -> Case | None:
    """The case a valid token may act on: the token is the access grant, so it reaches only
    the case it names, and only while the contact it was sent to is its active requester."""
    return (
        Case.objects.select_related("requester")
        .filter(pk=link.case_id, requester_id=link.contact_id, requester__is_active=True)
        .first()
    )
