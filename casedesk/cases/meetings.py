"""Scheduled phone/video meetings (seed 001): a calendar invite the customer can accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from casedesk.cases.models import Case, CaseEvent
from casedesk.core import clock
from casedesk.customers.models import Contact
from casedesk.customers.zones import organization_time_zone
from casedesk.mail.outbound import deliver_email


def _ics_text(value: str) -> str:
    # RFC 5545 text escaping; folding is left to mail clients, which all accept long lines.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def recipient_time_zone(contact: Contact) -> tzinfo:
    """The zone a contact reads times in. A contact with a portal login has their own zone,
    the one the portal shows them times in (core.middleware), so mail and portal agree;
    without a login, their organization's; a name zoneinfo does not know is skipped."""
    user = contact.user
    for name in (user.time_zone if user else "", organization_time_zone(contact.organization)):
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return timezone.get_default_timezone()


def invite_ics(
    *,
    case: Case,
    starts_at: datetime,
    minutes: int,
    location: str,
    organizer: str,
    attendee: str,
    now: datetime,
    sequence: int = 0,
) -> str:
    """`sequence` counts the times the meeting was moved: calendar clients (Outlook among
    them) apply a changed event only when it rises (RFC 5545)."""
    ends_at = starts_at + timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Casedesk//Meetings//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:case-{case.number}-meeting@{organizer.split('@')[-1]}",
        f"SEQUENCE:{sequence}",
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
    case = Case.objects.select_related("requester__user", "requester__organization").get(pk=case_id)
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
        now=clock.now(),
        sequence=max(0, CaseEvent.objects.filter(case=case, kind="meeting_scheduled").count() - 1),
    )
    zone = recipient_time_zone(contact)
    # Templates show datetimes in the active zone, so the recipient's zone is activated for
    # rendering, not only applied to the value.
    with translation.override(contact.language), timezone.override(zone):
        context = {
            "case": case,
            "contact": contact,
            "when": case.meeting_at.astimezone(zone),
            "zone": str(zone),
            "location": location,
            "minutes": minutes,
            "url": settings.BASE_URL.rstrip("/") + reverse("portal:case", args=[case.number]),
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
        mail.attach_alternative(render_to_string("cases/email/meeting.html", context), "text/html")
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
