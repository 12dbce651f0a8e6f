"""Scheduled phone/video meetings (seed 001): a calendar invite the customer can accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casedesk.cases.models import Case
from casedesk.mail.outbound import deliver_email


def _ics_text(value: str) -> str:
    # RFC 5545 text escaping; folding is left to mail clients, which all accept long lines.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def invite_ics(
    *,
    case: Case,
    starts_at: datetime,
    minutes: int,
    location: str,
    organizer: str,
    attendee: str,
    now: datetime,
) -> str:
    ends_at = starts_at + timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Casedesk//Meetings//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:case-{case.number}-meeting@{organizer.split('@')[-1]}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(starts_at)}",
        f"DTEND:{_stamp(ends_at)}",
        f"SUMMARY:{_ics_text(f'[{case.number}] {case.subject}')}",
        f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(location)}",
        f"ORGANIZER:mailto:{organizer}",
        f"ATTENDEE;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:{attendee}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def send_meeting_invite(case_id: int) -> None:
    case = Case.objects.select_related("requester").get(pk=case_id)
    if case.meeting_at is None:
        return
    contact = case.requester
    minutes, location = case.meeting_minutes, case.meeting_location
    organizer = settings.DEFAULT_FROM_EMAIL
    ics = invite_ics(
        case=case,
        starts_at=case.meeting_at,
        minutes=minutes,
        location=location,
        organizer=organizer,
        attendee=contact.email,
        now=timezone.now(),
    )
    with translation.override(contact.language):
        when = timezone.localtime(case.meeting_at)
        context = {
            "case": case,
            "contact": contact,
            "when": when,
            "location": location,
            "minutes": minutes,
        }
        subject = translation.gettext("[Case %(number)s] Meeting: %(subject)s") % {
            "number": case.number,
            "subject": case.subject,
        }
        mail = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("cases/email/meeting.txt", context),
            to=[contact.email],
        )
        mail.attach("invite.ics", ics, "text/calendar; method=REQUEST")
    # Keyed by the booked time: moving the meeting sends a new invitation, retries do not.
    deliver_email(
        mail,
        kind="meeting",
        key=f"meeting:{case.pk}:{case.meeting_at.isoformat()}",
        case=case,
        language=contact.language,
        automatic=False,
    )
