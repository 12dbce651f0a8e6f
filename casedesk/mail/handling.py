"""What one parsed inbound mail does: a reply on a case, a new case, a held request, a polite
refusal, a bounce noted on its case, or nothing (automatic mail, our own mail coming back)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from casedesk.cases import actions as case_actions
from casedesk.cases.attachments import Upload, clean_filename, validate_upload
from casedesk.cases.events import record_case_event
from casedesk.cases.models import (
    Attachment,
    Case,
    Category,
    Channel,
    HeldRequest,
    Message,
    Severity,
)
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.core.prepared import PreparedModelQuery
from casedesk.customers.entitlement import decide_intake
from casedesk.customers.models import Contact
from casedesk.mail import ids, routing
from casedesk.mail.inbound import Outcome, Result
from casedesk.mail.models import AddressFlag, InboundMail, OutboundMail
from casedesk.mail.parsing import ParsedAttachment, ParsedMail

NO_SUBJECT = "(no subject)"
# The message a new case opened with, for every case opened by mail.
_first_message = PreparedModelQuery(
    lambda case_id: Message.objects.filter(case_id=case_id).order_by("id")[:1], int
)


def _uploads(
    attachments: Sequence[ParsedAttachment],
) -> tuple[list[Upload], list[ParsedAttachment], list[str]]:
    """Attachments the desk accepts, and a line for each it does not (kept in the raw mail)."""
    accepted: list[Upload] = []
    kept: list[ParsedAttachment] = []
    problems: list[str] = []
    for item in attachments:
        upload = Upload(filename=item.filename, content=io.BytesIO(item.data), size=len(item.data))
        try:
            validate_upload(upload)
        except DomainError as error:
            name = clean_filename(item.filename)
            problems.append(error.message if name in error.message else f"{name}: {error.message}")
            continue
        accepted.append(upload)
        kept.append(item)
    return accepted, kept, problems


def with_problems(body: str, problems: list[str]) -> str:
    if not problems:
        return body
    lines = "\n".join(f"- {p}" for p in problems)
    note = _("Attachments not accepted (kept with the original e-mail):")
    return f"{body}\n\n[{note}\n{lines}]".strip()


def uploads_of(parsed: ParsedMail) -> tuple[list[Upload], list[ParsedAttachment], list[str]]:
    return _uploads(parsed.attachments)


def _cid_map(message: Message, kept: Sequence[ParsedAttachment]) -> dict[str, int]:
    """Content-ID → attachment id, so the HTML's inline images can point at stored files."""
    if not any(item.content_id for item in kept):
        return {}
    stored = list(
        Attachment.objects.filter(message=message).order_by("id").values_list("pk", flat=True)
    )
    return {item.content_id: pk for item, pk in zip(kept, stored, strict=False) if item.content_id}


def _language(sender: routing.Sender, organization_language: str | None = None) -> str:
    if sender.contact is not None:
        return sender.contact.language
    if sender.agent is not None:
        return sender.agent.language
    return organization_language or "en"


def answer_data(message: str, language: str, kind: str, **extra: object) -> dict[str, object]:
    return {"answer": {"message": message, "language": language, "kind": kind, **extra}}


def handle(row: InboundMail, parsed: ParsedMail) -> Result:
    if not parsed.from_address:
        return Result(Outcome.IGNORED, data={"why": "no sender address"})
    if ids.is_our_address(parsed.from_address):
        return Result(Outcome.IGNORED, data={"why": "our own mail came back"})
    sender = routing.identify_sender(parsed.from_address)
    machine = parsed.from_address.split("@")[0] in ("mailer-daemon", "postmaster")
    if parsed.bounce is not None or machine:
        return _bounce(row, parsed)
    recipients = [r for r in row.envelope_to.split("\n") if r]
    case, via = routing.find_case(parsed, recipients=recipients, sender=sender)
    if case is not None:
        if parsed.is_auto_reply:
            return _auto_reply(row, parsed, case)
        return reply_on_case(parsed, case, sender, via)
    if parsed.is_auto_reply or (parsed.is_automatic and sender.contact is None):
        return Result(Outcome.IGNORED, data={"why": parsed.automatic_reason or "automatic reply"})
    held, held_via = routing.find_held_request(parsed, sender)
    if held is not None:
        from casedesk.mail import held as held_mail

        about_held = held_mail.handle(parsed, sender, held, held_via)
        if about_held is not None:
            return about_held
    if sender.contact is None:
        return _refuse_unknown(row, parsed, sender)
    return _new_case(row, parsed, sender.contact)


def reply_on_case(parsed: ParsedMail, case: Case, sender: routing.Sender, via: str) -> Result:
    language = _language(sender)
    with translation.override(language):
        # In the writer's language: the note on refused files is part of their message.
        uploads, kept, problems = _uploads(parsed.attachments)
        body = parsed.reply or parsed.text
        body = with_problems(body, problems)
        if not body.strip() and not uploads:
            body = _("(The e-mail had no text.)")
        # Mail from an agent's address becomes an internal note: From: can be forged, and a
        # public reply would go out to the customer in the vendor's name.
        message = case_actions.do_add_message(
            actor=sender.agent,
            sender=sender.contact,
            case=case,
            body=body,
            kind=Message.Kind.NOTE if sender.agent is not None else Message.Kind.REPLY,
            channel=Channel.EMAIL,
            uploads=uploads,
        )
    data: dict[str, object] = {"via": via, "cid": _cid_map(message, kept)}
    if parsed.reply and parsed.quoted:
        data["quoted"] = parsed.quoted[:50_000]
    if problems:
        data["rejected_attachments"] = problems
    if sender.agent is None:
        return Result(Outcome.REPLY, case=case, message=message, data=data)
    # The agent expected the customer to read it: say that nobody did. Sent to the agent's
    # own address, so a forged From: also comes to light.
    with translation.override(language):
        notice = _(
            "Your e-mail was added to case %(number)s as an internal note; nothing was sent "
            "to the customer. Please answer the customer from the desk."
        ) % {"number": case.number}
    data.update(answer_data(notice, language, "note_notice"))
    return Result(Outcome.REPLY, case=case, message=message, data=data, answer=True)


def _auto_reply(row: InboundMail, parsed: ParsedMail, case: Case) -> Result:
    """An out-of-office answer is noted on the case; it does not reopen it."""
    with transaction.atomic(savepoint=False):
        record_case_event(
            case=case,
            actor=None,
            kind="mail_auto_reply",
            new=parsed.from_address,
            data={"inbound": row.pk, "subject": parsed.subject[:200]},
        )
    return Result(Outcome.AUTO_REPLY, case=case)


def _we_sent(message_ids: list[str], recipient: str) -> bool:
    """A report flags an address only when it names mail we really sent to it: anyone can
    write a delivery report, and a flagged address gets no automatic mail."""
    wanted = [m.strip("<>") for m in message_ids if m]
    return bool(wanted) and (
        OutboundMail.objects.filter(message_id__in=wanted)
        .filter(Q(to_address__iexact=recipient) | Q(cc__icontains=recipient))
        .exists()
    )


def _bounce(row: InboundMail, parsed: ParsedMail) -> Result:
    """A delivery failure: noted on the case it concerns, the address flagged; never a case."""
    report = parsed.bounce
    named = [report.original_message_id] if report and report.original_message_id else []
    named += [*parsed.all_reference_ids, *parsed.mentioned_ids]
    subject = report.original_subject if report and report.original_subject else parsed.subject
    case = routing.find_case_for_report(named, subject)
    data: dict[str, object] = {}
    with transaction.atomic(savepoint=False):
        if (
            report is not None
            and report.recipient
            and report.action in ("failed", "")
            and _we_sent(named, report.recipient)
        ):
            permanent = report.status.startswith("5")
            flag = AddressFlag.objects.select_for_update().filter(email=report.recipient).first()
            if flag is None:
                flag = AddressFlag(email=report.recipient, last_bounced_at=clock.now())
            flag.bounces += 1
            flag.permanent = flag.permanent or permanent
            flag.last_status, flag.last_diagnostic = report.status, report.diagnostic
            flag.last_bounced_at, flag.case = clock.now(), case or flag.case
            flag.save()
            data = {"recipient": report.recipient, "status": report.status}
        if case is not None:
            record_case_event(
                case=case,
                actor=None,
                kind="mail_bounced",
                new=report.recipient if report else parsed.from_address,
                data={"inbound": row.pk, **data},
            )
    return Result(Outcome.BOUNCE, case=case, data=data)


def _subject(parsed: ParsedMail) -> str:
    return parsed.subject.strip() or NO_SUBJECT


def _new_case(row: InboundMail, parsed: ParsedMail, contact: Contact) -> Result:
    product = routing.product_for(contact, row.mailbox)
    if product is None:
        raise DomainError("No product is configured: cannot open cases from e-mail.")
    language = contact.language
    with translation.override(language):
        uploads, kept, problems = _uploads(parsed.attachments)
        description = with_problems(parsed.text.strip(), problems) or _("(The e-mail had no text.)")
        try:
            made = case_actions.do_submit_request(
                actor=None,
                requester=contact,
                product=product,
                subject=_subject(parsed),
                description=description,
                category=Category.PROBLEM,
                severity=Severity.FAULT,
                channel=Channel.EMAIL,
                uploads=uploads,
            )
        except case_actions.IntakeRefused as refused:
            return Result(
                Outcome.REFUSED,
                data=answer_data(
                    refused.decision.message,
                    language,
                    "refusal",
                    reason=str(refused.decision.reason or ""),
                ),
                answer=True,
            )
        except DomainError as error:
            if error.code not in (ErrorCode.MISSING_REQUIRED_FIELD, ErrorCode.INVALID_INPUT):
                raise
            message = error.message + " " + _("Please open the case in our portal instead.")
            return Result(
                Outcome.REFUSED,
                data=answer_data(message, language, "refusal", reason=str(error.code), portal=True),
                answer=True,
            )
    if isinstance(made, HeldRequest):
        with translation.override(language):
            message = held_message(made)
        return Result(
            Outcome.HELD,
            data={"held_request": made.pk, **answer_data(message, language, "held")},
            answer=True,
        )
    first = _first_message.first(made.pk)
    data: dict[str, object] = {"cid": _cid_map(first, kept) if first else {}}
    if problems:
        data["rejected_attachments"] = problems
    return Result(Outcome.NEW_CASE, case=made, message=first, data=data)


def held_message(held: HeldRequest) -> str:
    from casedesk.customers.entitlement import reference_persons

    names = ", ".join(reference_persons(held.organization_id)) or "–"
    return _(
        "Your request is waiting for approval by one of your organization's reference "
        "persons (%(names)s). We will let you know."
    ) % {"names": names}


def _refuse_unknown(row: InboundMail, parsed: ParsedMail, sender: routing.Sender) -> Result:
    if sender.agent is not None:
        return Result(Outcome.IGNORED, data={"why": "from an agent, about no case"})
    organization = routing.organization_by_domain(parsed.from_address)
    language = organization.language if organization is not None else "en"
    product = routing.product_for(None, row.mailbox)
    with translation.override(language):
        decision = decide_intake(
            contact=None,
            product=product,  # type: ignore[arg-type] # unused for unknown persons
            severity=Severity.FAULT,
            channel=Channel.EMAIL,
            at=clock.now(),
            organization=organization,
        )
    return Result(
        Outcome.REFUSED,
        data=answer_data(decision.message, language, "refusal", reason=str(decision.reason or "")),
        answer=True,
    )
