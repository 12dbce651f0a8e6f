"""Seed 001: a customer asks for a phone/video meeting; the agent books it within target."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.core.errors import DomainError
from casedesk.sla.models import SLATimer
from tests.factories import oslo


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
    assert case.events.filter(kind="meeting_scheduled").count() == 1


def test_meeting_in_the_past_is_refused(sla: Any, frozen: Any, case_a: Case, agent: Any) -> None:
    now = oslo(2026, 3, 9, 9, 0)
    frozen(now)
    with pytest.raises(DomainError):
        actions.do_schedule_meeting(
            actor=agent, case=case_a, starts_at=now - timedelta(hours=1), minutes=30, location=""
        )
    case_a.refresh_from_db()
    assert case_a.meeting_at is None
