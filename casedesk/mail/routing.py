"""Who wrote an inbound mail, and which case it belongs to.

A mail joins a case by, in this order: our signed reply address among its recipients, one of
the case's Message-IDs in In-Reply-To/References (our signed ones, or any we stored), or the
case tag in the subject — and only when the sender may write on that case: an agent by a
signed route, or a contact who sees the case in the portal (its requester, or an active
designated contact of its organization). Headers that merely look internal (e.g. our own
X-Casedesk-Case) are never read from inbound mail: anyone can write them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils import timezone

from casedesk.accounts.models import User
from casedesk.cases.access import contact_on_case
from casedesk.cases.models import Case, HeldRequest
from casedesk.cases.queries import case_by_id
from casedesk.core import clock
from casedesk.core.prepared import PreparedModelQuery, PreparedQuery
from casedesk.customers.entitlement import first_covered_product
from casedesk.customers.models import Contact, Organization, Product
from casedesk.customers.queries import agent_by_email, contact_by_email
from casedesk.mail import ids
from casedesk.mail.mimeutil import message_id_key
from casedesk.mail.models import InboundMail, Mailbox, MessageId
from casedesk.mail.parsing import ParsedMail

# "[Case 2026-000123]", also translated ("[Sak …]", "[Ärende …]") or bare "[2026-000123]".
CASE_TAG = re.compile(r"\[[^\[\]\d]{0,24}?(\d{4}-\d{6})\]")


@dataclass(frozen=True)
class Sender:
    address: str
    contact: Contact | None
    agent: User | None

    @property
    def known(self) -> bool:
        return self.contact is not None or self.agent is not None


def identify_sender(address: str) -> Sender:
    contact = contact_by_email(address)
    agent = agent_by_email(address) if contact is None else None
    return Sender(address, contact, agent)


# Routes that prove the mail answers something we sent: the reply address and our
# Message-IDs are signed. A subject tag or a quoted foreign Message-ID proves nothing.
SIGNED_ROUTES = frozenset({"reply_address", "message_id"})


def allowed_on(case: Case, sender: Sender, via: str = "") -> bool:
    if sender.agent is not None:
        # From: is not verified; an agent's address alone must not reach any case.
        return via in SIGNED_ROUTES
    return sender.contact is not None and contact_on_case(sender.contact, case)


def _candidates(parsed: ParsedMail, recipients: Sequence[str]) -> Iterator[tuple[str, int | str]]:
    for address in (*recipients, *parsed.delivered_to, *parsed.to, *parsed.cc):
        case_id = ids.case_id_from_address(address)
        if case_id:
            yield "reply_address", case_id
    for message_id in parsed.all_reference_ids:
        case_id = ids.case_id_from_message_id(message_id)
        if case_id:
            yield "message_id", case_id
            continue
        stored = _case_of_message_id.first(message_id_key(message_id))
        if stored:
            # Known but unsigned (e.g. the customer's own Message-ID): anyone can quote it.
            yield "known_message_id", stored[0]
    for number in CASE_TAG.findall(parsed.subject):
        yield "subject", number


_case_of_message_id = PreparedQuery(
    lambda key: MessageId.objects.filter(key=key).values_list("case_id")[:1], str
)
_case_by_number = PreparedModelQuery(lambda number: Case.objects.filter(number=number), str)
# Asked for nearly every new mail from a contact (is it a follow-up of a waiting request?).
_waiting_requests = PreparedModelQuery(
    lambda organization_id, contact_id: HeldRequest.objects.filter(
        organization_id=organization_id,
        state=HeldRequest.State.PENDING,
        requester_id=contact_id,
    ).order_by("-created_at")[:20],
    int,
    int,
)


def find_case(
    parsed: ParsedMail, *, recipients: Sequence[str], sender: Sender
) -> tuple[Case | None, str]:
    """The case this mail continues and how it was found, or (None, "")."""
    tried: set[int | str] = set()
    for via, ref in _candidates(parsed, recipients):
        if ref in tried:
            continue
        tried.add(ref)
        case = case_by_id(ref) if isinstance(ref, int) else _case_by_number.first(ref)
        if case is not None and allowed_on(case, sender, via):
            return case, via
    return None, ""


# "Re:" as mail programs in our languages write it ("SV:", "AW:", "Antw:", "VS:"), also
# stacked: a follow-up's subject without them is the request's.
_REPLY_PREFIXES = re.compile(r"^(?:\s*(?:re|sv|aw|antw|vs|ang)\s*:)+\s*", re.IGNORECASE)


def _bare_subject(subject: str) -> str:
    return " ".join(_REPLY_PREFIXES.sub("", subject).split()).casefold()


def find_held_request(parsed: ParsedMail, sender: Sender) -> tuple[HeldRequest | None, str]:
    """The held request this mail is about, and how it was found, or (None, "").

    Our mail about a request (the approval mail, the "held" answer) carries a signed
    Message-ID naming it: any sender who answers it is found, and decides only if entitled.
    The requester is also found by their own earlier mail in References, or by writing
    again with the same subject while the request waits; both prove nothing about anyone
    else, so they count only for the requester."""
    for message_id in parsed.all_reference_ids:
        held_id = ids.held_id_from_message_id(message_id)
        if held_id is not None:
            held = HeldRequest.objects.filter(pk=held_id).first()
            if held is not None:
                return held, "held_message_id"
    contact = sender.contact
    if contact is None:
        return None, ""
    keys = ["m:" + message_id_key(m) for m in parsed.all_reference_ids[:20] if m]
    if keys:
        for data in InboundMail.objects.filter(
            dedup_key__in=keys, outcome=InboundMail.Outcome.HELD, from_address__iexact=contact.email
        ).values_list("data", flat=True):
            held_id = data.get("held_request") if isinstance(data, dict) else None
            held = (
                HeldRequest.objects.filter(pk=held_id, requester=contact).first()
                if isinstance(held_id, int)
                else None
            )
            if held is not None:
                return held, "held_thread"
    subject = _bare_subject(parsed.subject)
    if subject:
        for held in _waiting_requests.all(contact.organization_id, contact.pk):
            if _bare_subject(held.subject) == subject:
                return held, "held_subject"
    return None, ""


def find_case_for_report(ids_named: Sequence[str], subject: str) -> Case | None:
    """The case a delivery report is about: it names our mail's Message-ID or subject."""
    for message_id in ids_named:
        case_id = ids.case_id_from_message_id(message_id) or (
            MessageId.objects.filter(key=message_id_key(message_id))
            .values_list("case_id", flat=True)
            .first()
        )
        if case_id:
            case = Case.objects.filter(pk=case_id).first()
            if case is not None:
                return case
    for number in CASE_TAG.findall(subject):
        case = Case.objects.filter(number=number).first()
        if case is not None:
            return case
    return None


def organization_by_domain(address: str) -> Organization | None:
    """The organization of an unknown sender, when exactly one has contacts at its domain."""
    domain = address.rpartition("@")[2].lower()
    if not domain:
        return None
    org_ids = list(
        Contact.objects.filter(email__iendswith="@" + domain)
        # No ordering: Contact's default (name) would make DISTINCT count each name.
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()[:2]
    )
    if len(org_ids) != 1:
        return None
    return Organization.objects.filter(pk=org_ids[0]).first()


def product_for(contact: Contact | None, mailbox: Mailbox | None) -> Product | None:
    """E-mail names no product: the mailbox's, else the one the contract covers (the first
    by name when several), else any, so that entitlement can say what is wrong."""
    if mailbox is not None and mailbox.default_product_id is not None:
        return mailbox.default_product
    if contact is not None:
        covered = first_covered_product(contact, timezone.localdate(clock.now()))
        if covered is not None:
            return covered
    return Product.objects.order_by("name").first()
