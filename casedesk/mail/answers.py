"""Answers to inbound mail that opened no case: a polite refusal or "held for approval",
in the sender's language, threaded under their mail, never to automatic mail (RFC 3834)."""

from __future__ import annotations

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casedesk.mail import outbound
from casedesk.mail.models import InboundMail

# "Re:" and how mail programs in our languages write it ("SV:", "AW:", "Antw:", "VS:"), so an
# answer to a reply does not read "Re: Re: …".
_ALREADY_A_REPLY = re.compile(r"^\s*(re|sv|aw|antw|vs|ang)\s*:", re.IGNORECASE)


def send_inbound_answer(inbound_id: int) -> None:
    row = InboundMail.objects.filter(pk=inbound_id).first()
    if row is None or not isinstance(row.data.get("answer"), dict) or not row.from_address:
        return
    answer: dict[str, str] = row.data["answer"]
    language = answer.get("language") or settings.LANGUAGE_CODE
    portal_url = answer.get("url") or ""
    if not portal_url and answer.get("portal"):
        portal_url = settings.BASE_URL.rstrip("/") + reverse("portal:new_case")
    context = {
        "message": answer.get("message", ""),
        "subject": row.subject or "–",
        "portal_url": portal_url,
    }
    held_id = row.data.get("held_request")
    with translation.override(language):
        text = render_to_string("mail/email/answer.txt", context)
        html = render_to_string("mail/email/answer.html", context)
        subject = row.subject or "–"
        if not _ALREADY_A_REPLY.match(subject):
            subject = translation.gettext("Re: %(subject)s") % {"subject": subject}
    outbound.deliver(
        outbound.CaseMail(
            kind=answer.get("kind", "refusal"),
            key=f"answer:{row.pk}",
            to=row.from_address,
            subject=subject,
            text=text,
            html=html,
            language=language,
            automatic=True,
            answers_mail=True,
            in_reply_to=row.message_id,
            suppress_reason="" if row.auto_reply_allowed else row.data.get("no_auto_reply", "-"),
            # An answer about a held request names it: a reply to the answer finds it again.
            held_request_id=held_id if isinstance(held_id, int) else None,
        )
    )
