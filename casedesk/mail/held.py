"""Mail about a request held for approval: the requester writing again, and a reference
person answering the approval mail."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casedesk.cases import actions as case_actions
from casedesk.cases.access import contact_on_case
from casedesk.cases.models import HeldRequest
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.customers.entitlement import is_approver
from casedesk.customers.models import Contact
from casedesk.mail import routing
from casedesk.mail.inbound import Outcome, Result
from casedesk.mail.parsing import ParsedMail

APPROVE, REJECT = "approve", "reject"

# Words a reference person may answer the approval mail with, alone on the first line of
# their reply: English and each contact language. Kept small on purpose: anything else is
# not taken as a decision, since a wrong guess opens a case or turns a colleague away.
DECISION_WORDS: dict[str, dict[str, frozenset[str]]] = {
    "en": {
        APPROVE: frozenset({"approve", "approved", "yes"}),
        REJECT: frozenset({"reject", "rejected", "no"}),
    },
    "nb": {
        APPROVE: frozenset({"godkjenn", "godkjent", "ja"}),
        REJECT: frozenset({"avvis", "avvist", "nei"}),
    },
    "sv": {
        APPROVE: frozenset({"godkänn", "godkänd", "godkänt", "ja"}),
        REJECT: frozenset({"avslå", "avslås", "avvisa", "nej"}),
    },
    "da": {
        APPROVE: frozenset({"godkend", "godkendt", "ja"}),
        REJECT: frozenset({"afvis", "afvist", "nej"}),
    },
    "nl": {
        APPROVE: frozenset({"goedkeuren", "goedgekeurd", "ja"}),
        REJECT: frozenset({"afwijzen", "afgewezen", "nee"}),
    },
}

_TRIM = " \t.!,;:\"'«»“”„*_()[]"


def decision_in(reply: str, language: str) -> str | None:
    """APPROVE, REJECT or None for the first non-empty line of a reply (quote already cut)."""
    first = next((line for line in reply.splitlines() if line.strip(_TRIM)), "")
    if first.lstrip().startswith(">"):
        return None
    word = first.strip(_TRIM).casefold()
    for lang in dict.fromkeys((language, "en")):
        words = DECISION_WORDS.get(lang, {})
        for decision in (APPROVE, REJECT):
            if word in words.get(decision, frozenset()):
                return decision
    return None


def _requests_url() -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:held_requests")


def _answer(
    message: str,
    language: str,
    held: HeldRequest,
    files: list[str] | None = None,
    **extra: object,
) -> dict[str, object]:
    return {
        # No files of this mail were stored with the request; an approval stores copies of
        # the request's files with the new case (`files`): those go again on rollback.
        "held_request": held.pk,
        "held_files": files or [],
        "answer": {"message": message, "language": language, "kind": "held_decision", **extra},
    }


def handle(
    parsed: ParsedMail, sender: routing.Sender, held: HeldRequest, via: str
) -> Result | None:
    """What the mail does to the request, or None when it is an ordinary new message."""
    contact = sender.contact
    if contact is None:
        return None
    if contact.pk == held.requester_id:
        return _follow_up(parsed, sender, contact, held)
    if via != "held_message_id":
        return None
    return _decide(parsed, contact, held)


def _follow_up(
    parsed: ParsedMail,
    sender: routing.Sender,
    contact: Contact,
    held: HeldRequest,
) -> Result | None:
    from casedesk.mail import handling

    if held.state == HeldRequest.State.PENDING:
        language = contact.language
        with translation.override(language):
            uploads, _kept, problems = handling.uploads_of(parsed)
            body = handling.with_problems((parsed.reply or parsed.text).strip(), problems)
            before = {f["path"] for f in held.files}
            try:
                # A savepoint: a request decided meanwhile must not spoil the pipeline's
                # transaction, which goes on to record this mail.
                with transaction.atomic():
                    joined = case_actions.do_add_held_request_followup(
                        held=held, sender=contact, text=body, uploads=uploads
                    )
            except DomainError as error:
                if error.code != ErrorCode.CONFLICT:
                    raise
                # Decided while this mail was on its way: it goes where the decision leads.
                held.refresh_from_db()
            else:
                message = handling.held_message(joined)
                return Result(
                    Outcome.HELD,
                    data={
                        "held_request": joined.pk,
                        "joined": True,
                        "held_files": [f["path"] for f in joined.files if f["path"] not in before],
                        **handling.answer_data(message, language, "held"),
                    },
                    answer=True,
                )
    if (
        held.state == HeldRequest.State.APPROVED
        and held.case is not None
        and contact_on_case(contact, held.case)
    ):
        return handling.reply_on_case(parsed, held.case, sender, "held_request")
    # Rejected (or a case the sender may not write on): a new message like any other.
    return None


def _decide(
    parsed: ParsedMail,
    contact: Contact,
    held: HeldRequest,
) -> Result:
    language = contact.language
    if parsed.is_automatic:
        # An out-of-office or a machine does not decide on a colleague's request.
        return Result(
            Outcome.IGNORED,
            data={"why": parsed.automatic_reason or "automatic reply"},
        )
    if contact.organization_id != held.organization_id or not is_approver(contact):
        # Whoever else got hold of the approval mail: nothing is decided, nothing told.
        return Result(
            Outcome.IGNORED,
            data={"why": "answer to an approval mail from someone who may not decide"},
        )
    url = _requests_url()
    with translation.override(language):
        values = {"subject": held.subject, "name": held.requester.name}
        if held.state != HeldRequest.State.PENDING:
            message = _("This request has already been decided.")
            return Result(
                Outcome.DECISION, data=_answer(message, language, held, url=url), answer=True
            )
        decision = decision_in(parsed.reply or parsed.text, language)
        if decision is None:
            message = (
                _(
                    "We could not read your answer as a decision on the request “%(subject)s” "
                    "from %(name)s, so nothing is decided yet. Please approve or reject it with "
                    "the link in our e-mail or in the portal (below), or answer our e-mail with "
                    "just “approve” or “reject”."
                )
                % values
            )
            return Result(
                Outcome.DECISION, data=_answer(message, language, held, url=url), answer=True
            )
        case_files: list[str] = []
        try:
            # A savepoint, as for a follow-up: a refused decision is answered, and the
            # pipeline's transaction still records the mail.
            with transaction.atomic():
                if decision == APPROVE:
                    case = case_actions.do_approve_held_request(
                        actor=None, held=held, approver=contact
                    )
                    message = _(
                        "Thank you: you approved the request “%(subject)s” from %(name)s. It "
                        "is now case %(number)s."
                    ) % {**values, "number": case.number}
                    case_files = [str(f) for f in case.attachments.values_list("file", flat=True)]
                else:
                    case_actions.do_reject_held_request(actor=None, held=held, approver=contact)
                    message = (
                        _(
                            "Thank you: you rejected the request “%(subject)s”. We have told "
                            "%(name)s."
                        )
                        % values
                    )
        except DomainError as error:
            # E.g. decided by a colleague meanwhile, or the contract no longer covers it.
            return Result(
                Outcome.DECISION,
                data=_answer(error.message, language, held, url=url, decision=decision),
                answer=True,
            )
    return Result(
        Outcome.DECISION,
        data=_answer(message, language, held, case_files, url=url, decision=decision),
        answer=True,
    )
