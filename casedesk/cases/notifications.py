"""E-mail to customers about their cases, in each recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casedesk.cases.models import Case, HeldRequest, Message
from casedesk.customers.models import Contact, ContactRole


def _case_url(case: Case) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:case", args=[case.number])


def _send(
    *,
    contact: Contact,
    template: str,
    context: dict[str, object],
    subject: str,
    cc: list[str] | None = None,
    automatic: bool = True,
) -> None:
    with translation.override(contact.language):
        text = render_to_string(f"cases/email/{template}.txt", context)
        html = render_to_string(f"cases/email/{template}.html", context)
        mail = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[contact.email],
            cc=cc or [],
            # RFC 3834: machine-made mail says so, so auto-responders do not answer it.
            headers={"Auto-Submitted": "auto-generated"} if automatic else {},
        )
        mail.attach_alternative(html, "text/html")
        mail.send()


def responsible_copies(case: Case) -> list[str]:
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
        .values_list("email", flat=True)
    )


def send_acknowledgement(case_id: int) -> None:
    case = Case.objects.select_related("requester", "product").get(pk=case_id)
    with translation.override(case.requester.language):
        subject = translation.gettext("[Case %(number)s] We received your case: %(subject)s") % {
            "number": case.number,
            "subject": case.subject,
        }
    _send(
        contact=case.requester,
        template="acknowledgement",
        subject=subject,
        context={"case": case, "url": _case_url(case), "contact": case.requester},
    )


def send_reply(message_id: int) -> None:
    message = Message.objects.select_related("case__requester", "author").get(pk=message_id)
    case = message.case
    with translation.override(case.requester.language):
        subject = translation.gettext("[Case %(number)s] New reply: %(subject)s") % {
            "number": case.number,
            "subject": case.subject,
        }
    _send(
        contact=case.requester,
        template="reply",
        subject=subject,
        context={
            "case": case,
            "message": message,
            "url": _case_url(case),
            "contact": case.requester,
        },
        cc=responsible_copies(case),
        automatic=False,
    )


def send_held_request_notice(held_id: int) -> None:
    held = HeldRequest.objects.select_related("requester", "product").get(pk=held_id)
    deciders = Contact.objects.filter(
        organization_id=held.organization_id,
        is_active=True,
        roles__role__in=[ContactRole.Role.REFERENCE, ContactRole.Role.GENERAL],
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
    )
