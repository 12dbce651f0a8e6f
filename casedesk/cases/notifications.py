"""E-mail to customers about their cases, in each recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casedesk.cases.models import Case, Message
from casedesk.customers.models import Contact


def _case_url(case: Case) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:case", args=[case.number])


def _send(*, contact: Contact, template: str, context: dict[str, object], subject: str) -> None:
    with translation.override(contact.language):
        text = render_to_string(f"cases/email/{template}.txt", context)
        html = render_to_string(f"cases/email/{template}.html", context)
        mail = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[contact.email],
            headers={"Auto-Submitted": "auto-generated"} if template == "acknowledgement" else {},
        )
        mail.attach_alternative(html, "text/html")
        mail.send()


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
    )
