"""Seed 001: a customer asks for a phone/video meeting; the agent books it within target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core.errors import DomainError
from casedesk.sla.models import SLATimer
from tests import factories
from tests.factories import oslo
from tests.smtp import Inbox


def test_requested_meeting_is_booked_with_a_calendar_invite(
    sla: Any,
    frozen: Any,
    client: Client,
    contact_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    frozen(oslo(2026, 3, 9, 9, 0))
    client.force_login(contact_a.user)
    client.post(
        reverse("portal:new_case"),
        {
            "product": product.pk,
            "category": "question",
            "severity": 1,
            "subject": "Setup",
            "description": "Can we talk it through?",
            "meeting_requested": "on",
        },
    )
    case = Case.objects.get()
    meeting = SLATimer.objects.get(case=case, metric="meeting")
    assert meeting.state == "running"
    assert meeting.due_at == oslo(2026, 3, 13, 13, 0)

    client.force_login(agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:meeting", args=[case.number]),
            {"starts_at": "2026-03-10T10:00", "minutes": 45, "location": "https://meet.test/x"},
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    case.refresh_from_db()
    assert meeting.state == "met"
    assert case.meeting_at == oslo(2026, 3, 10, 10, 0)
    [invite] = mail.outbox
    assert invite.to == [contact_a.email]
    assert case.number in invite.subject
    _name, ics, mimetype = invite.attachments[0]
    assert mimetype.startswith("text/calendar")
    assert "DTSTART:20260310T090000Z" in ics
    assert "DTEND:20260310T094500Z" in ics
    assert "https://meet.test/x" in ics
    assert "METHOD:REQUEST" in ics
    assert "SEQUENCE:0" in ics
    assert case.events.filter(kind="meeting_scheduled").count() == 1
    # Moved: the same event, a higher sequence, so calendars replace it; the trail shows
    # both times as the agent reads them (Oslo), not as stored.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("desk:meeting", args=[case.number]),
            {"starts_at": "2026-03-11T14:00", "minutes": 45, "location": "https://meet.test/x"},
        )
    [moved] = mail.outbox
    _name, ics, _mimetype = moved.attachments[0]
    assert "SEQUENCE:1" in ics
    assert f"UID:case-{case.number}-meeting@" in ics
    page = client.get(reverse("desk:case", args=[case.number])).content.decode()
    assert "+00:00" not in page
    assert "03/10/2026 10 a.m." in page


def test_meeting_in_the_past_is_refused(sla: Any, frozen: Any, case_a: Case, agent: Any) -> None:
    now = oslo(2026, 3, 9, 9, 0)
    frozen(now)
    with pytest.raises(DomainError):
        actions.do_schedule_meeting(
            actor=agent, case=case_a, starts_at=now - timedelta(hours=1), minutes=30, location=""
        )
    case_a.refresh_from_db()
    assert case_a.meeting_at is None


# A meeting at 10:00 UTC on 10 March 2026: 10:00 in London (GMT), 11:00 in Oslo (CET).
MEETING_AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _book(agent: Any, case: Case, capture: Any, *, location: str = "https://meet.test/x") -> None:
    with capture(execute=True):
        actions.do_schedule_meeting(
            actor=agent, case=case, starts_at=MEETING_AT, minutes=45, location=location
        )


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


def test_invitation_has_an_html_part_in_the_recipients_language(
    sla: Any,
    frozen: Any,
    smtp: Inbox,
    org_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    frozen(oslo(2026, 3, 9, 9, 0))
    contact = factories.make_contact(org_a, email="kari@a.test", language="nb")
    case = factories.make_case(contact, product)
    _book(agent, case, django_capture_on_commit_callbacks, location="https://meet.test/x?a=1&b=2")
    [invite] = smtp.messages
    text, html = _parts(invite)
    assert "Hei " in html
    assert "Vi har booket møtet" in html
    assert case.number in html
    assert 'href="https://meet.test/x?a=1&amp;b=2"' in html
    assert "45 minutter" in html
    # The plain part is not HTML-escaped.
    assert "https://meet.test/x?a=1&b=2" in text
    [calendar] = [p for p in invite.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert "DTSTART:20260310T100000Z" in str(calendar.get_content())


@pytest.mark.parametrize("portal_login", [True, False], ids=["user-zone", "organization-zone"])
def test_invitation_states_the_time_in_the_recipients_zone(
    sla: Any,
    frozen: Any,
    smtp: Inbox,
    org_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
    portal_login: bool,
) -> None:
    frozen(oslo(2026, 3, 9, 9, 0))
    contact = factories.make_contact(org_a, email="kari@a.test", language="nb")
    case = factories.make_case(contact, product)
    if portal_login:
        # The portal shows the contact times in their own zone; the mail must agree.
        contact.user.time_zone = "Europe/London"
        contact.user.save(update_fields=["time_zone"])
    else:
        # No portal login: the organization's zone.
        org_a.time_zone = "Europe/London"
        org_a.save(update_fields=["time_zone"])
        contact.user = None
        contact.save(update_fields=["user"])
    _book(agent, case, django_capture_on_commit_callbacks)
    [invite] = smtp.messages
    for part in _parts(invite):
        assert "10. mars 2026 10:00" in part
        assert "11:00" not in part
        assert "Europe/London" in part


def test_desk_meeting_form_shows_the_booked_meeting(
    sla: Any,
    frozen: Any,
    client: Client,
    case_a: Case,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    frozen(oslo(2026, 3, 9, 9, 0))
    case_a.meeting_requested = True
    case_a.save(update_fields=["meeting_requested"])
    _book(agent, case_a, django_capture_on_commit_callbacks)
    agent.time_zone = "Europe/London"
    agent.save(update_fields=["time_zone"])
    client.force_login(agent)
    page = client.get(reverse("desk:case", args=[case_a.number])).content.decode()
    # datetime-local wants "YYYY-MM-DDTHH:MM", in the agent's zone.
    assert 'name="starts_at" value="2026-03-10T10:00"' in page
    assert 'name="minutes" value="45"' in page
    assert 'name="location" value="https://meet.test/x"' in page

    # Moving it with the prefilled form keeps the link.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("desk:meeting", args=[case_a.number]),
            {"starts_at": "2026-03-11T10:00", "minutes": 45, "location": "https://meet.test/x"},
        )
    case_a.refresh_from_db()
    assert case_a.meeting_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    assert case_a.meeting_location == "https://meet.test/x"


def test_portal_case_page_shows_the_booked_meeting(
    sla: Any,
    frozen: Any,
    client: Client,
    case_a: Case,
    contact_a: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    frozen(oslo(2026, 3, 9, 9, 0))
    client.force_login(contact_a.user)
    url = reverse("portal:case", args=[case_a.number])
    assert "meet.test" not in client.get(url).content.decode()
    _book(agent, case_a, django_capture_on_commit_callbacks)
    contact_a.user.time_zone = "Europe/London"
    contact_a.user.save(update_fields=["time_zone"])
    page = client.get(url).content.decode()
    assert "March 10, 2026, 10 a.m." in page
    assert "Europe/London" in page
    assert "45 minutes" in page
    assert 'href="https://meet.test/x"' in page
