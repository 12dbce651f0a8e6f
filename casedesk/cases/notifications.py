"""E-mail to customers about their cases, in each recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casedesk.cases.models import Case, Channel, HeldRequest, Message
from casedesk.cases.queries import case_with_requester, intake_reason
from casedesk.customers.entitlement import APPROVER_ROLES, intake_notice
from casedesk.customers.models import Contact, ContactRole
from casedesk.mail import outbound
from casedesk.mail.queries import inbound_origin


def _case_url(case: Case) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:case", args=[case.number])


def _send(
    *,
    contact: Contact,
    template: str,
    context: dict[str, object],
    subject: str,
    key: str,
    case: Case | None = None,
    message: Message | None = None,
    cc: list[str] | None = None,
    automatic: bool = True,
    in_reply_to: str = "",
    suppress_reason: str = "",
    answers_mail: bool = False,
    held_request_id: int | None = None,
) -> None:
    # The mail app adds the threading headers, reply address and case tag, records the
    # send (once per key) and marks automatic mail as such (RFC 3834).
    with translation.override(contact.language):
        text = render_to_string(f"cases/email/{template}.txt", context)
        html = render_to_string(f"cases/email/{template}.html", context)
    outbound.deliver(
        outbound.CaseMail(
            kind=template,
            key=key,
            to=contact.email,
            subject=subject,
            text=text,
            html=html,
            language=contact.language,
            case=case,
            message=message,
            cc=cc or [],
            automatic=automatic,
            in_reply_to=in_reply_to,
            suppress_reason=suppress_reason,
            answers_mail=answers_mail,
            held_request_id=held_request_id,
        )
    )


def responsible_copies(case: Case) -> list[Contact]:
    """Seed 001: the responsible person for the product sees every reply to their users."""
    return list(
        Contact.objects.filter(
            organization_id=case.organization_id,
            is_active=True,
            roles__role=ContactRole.Role.RESPONSIBLE,
            roles__product_id=case.product_id,
        )
        .exclude(pk=case.requester_id)
        .distinct()
        .order_by("email")
    )


def send_acknowledgement(case_id: int) -> None:
    case = case_with_requester(case_id)
    reason = intake_reason(case=case)
    with translation.override(case.requester.language):
        subject = translation.gettext("[Case %(number)s] We received your case: %(subject)s") % {
            "number": case.number,
            "subject": case.subject,
        }
        # The intake rule's word to the requester (e.g. accepted although support is
        # paused): the receipt is the one message every channel's requester gets.
        notice = intake_notice(reason)
    # A case opened by e-mail: answer that mail, unless it must get no automatic answer.
    answered, suppress_reason = inbound_origin(case)
    _send(
        contact=case.requester,
        template="acknowledgement",
        subject=subject,
        context={
            "case": case,
            "url": _case_url(case),
            "contact": case.requester,
            "notice": notice,
        },
        key=f"acknowledgement:{case.pk}",
        case=case,
        in_reply_to=answered,
        suppress_reason=suppress_reason,
        answers_mail=case.channel == Channel.EMAIL,
    )


def send_reply(message_id: int) -> None:
    """To the requester, with the responsible persons who read their language in copy; one
    who reads another gets a copy of their own in it."""
    message = Message.objects.select_related("case__requester", "author").get(pk=message_id)
    case = message.case
    requester = case.requester
    copies = responsible_copies(case)
    cc = [c.email for c in copies if c.language == requester.language]
    for contact, key, copy_to in (
        (requester, f"reply:{message.pk}", cc),
        *((c, f"reply:{message.pk}:copy:{c.pk}", []) for c in copies if c.email not in cc),
    ):
        with translation.override(contact.language):
            subject = translation.gettext("[Case %(number)s] New reply: %(subject)s") % {
                "number": case.number,
                "subject": case.subject,
            }
        _send(
            contact=contact,
            template="reply",
            subject=subject,
            context={"case": case, "message": message, "url": _case_url(case), "contact": contact},
            key=key,
            case=case,
            message=message,
            cc=copy_to,
            automatic=False,
        )


def send_held_request_notice(held_id: int) -> None:
    held = HeldRequest.objects.select_related("requester", "product").get(pk=held_id)
    deciders = Contact.objects.filter(
        organization_id=held.organization_id,
        is_active=True,
        roles__role__in=APPROVER_ROLES,
    ).distinct()
    url = settings.BASE_URL.rstrip("/") + reverse("portal:held_requests")
    for decider in deciders:
        with translation.override(decider.language):
            subject = translation.gettext("Approval needed: %(subject)s") % {
                "subject": held.subject
            }
        _send(
            contact=decider,
            template="held_request",
            subject=subject,
            context={"held": held, "url": url, "contact": decider},
            key=f"held_request:{held.pk}:{decider.pk}",
            held_request_id=held.pk,
        )


def send_held_request_rejected(held_id: int) -> None:
    held = HeldRequest.objects.select_related("requester", "decided_by").get(pk=held_id)
    with translation.override(held.requester.language):
        subject = translation.gettext("Your request was not approved: %(subject)s") % {
            "subject": held.subject
        }
    _send(
        contact=held.requester,
        template="held_request_rejected",
        subject=subject,
        context={"held": held, "contact": held.requester},
        key=f"held_request_rejected:{held.pk}",
        held_request_id=held.pk,
    )
