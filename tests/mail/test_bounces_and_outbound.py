"""Bounces land on their case and flag the address; failed sends show on the case page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent
from casedesk.mail.models import AddressFlag, InboundMail, OutboundMail
from tests.mail.conftest import Inbox, Ingest, make_dsn, make_mail

pytestmark = pytest.mark.django_db


def test_a_bounce_is_attached_to_its_case_and_flags_the_address(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    case = ingest(make_mail()).case
    assert case is not None
    (ack,) = smtp.messages
    row = ingest(make_dsn(original_message_id=ack["Message-ID"], recipient="anna@a.test"))
    assert row.outcome == InboundMail.Outcome.BOUNCE
    assert row.case == case
    assert Case.objects.count() == 1
    flag = AddressFlag.objects.get(email="anna@a.test")
    assert flag.permanent
    assert flag.last_status == "5.1.1"
    assert CaseEvent.objects.filter(case=case, kind="mail_bounced").exists()
    assert len(smtp.messages) == 1  # no answer to a bounce


def test_a_forged_bounce_flags_nothing(
    smtp: Inbox, contact_a: Any, contact_b: Any, ingest: Ingest
) -> None:
    ingest(make_mail())
    # A report naming mail we never sent to that address: anyone can write one.
    ingest(make_dsn(original_message_id="<made-up@example.test>", recipient="bob@b.test"))
    ingest(make_dsn(original_message_id=smtp.messages[0]["Message-ID"], recipient="bob@b.test"))
    assert not AddressFlag.objects.exists()


def test_no_more_automatic_mail_to_a_hard_bounced_address(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    ingest(make_mail())
    ingest(make_dsn(original_message_id=smtp.messages[0]["Message-ID"], recipient="anna@a.test"))
    second = ingest(make_mail(subject="Another problem"))
    assert second.outcome == InboundMail.Outcome.NEW_CASE
    assert len(smtp.messages) == 1
    suppressed = OutboundMail.objects.get(case=second.case)
    assert suppressed.state == OutboundMail.State.SUPPRESSED
    assert (suppressed.suppression, suppressed.error) == ("bounced", "5.1.1")


def test_a_failed_send_is_recorded_retried_and_shown_on_the_case(
    smtp: Inbox,
    agent: Any,
    contact_a: Any,
    ingest: Ingest,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = ingest(make_mail()).case
    assert case is not None
    smtp.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.do_add_message(actor=agent, case=case, body="Try this.")
    failed = OutboundMail.objects.get(key=f"reply:{message.pk}")
    assert failed.state == OutboundMail.State.FAILED
    assert "451" in failed.error
    client.force_login(agent)
    page = client.get(reverse("desk:case", args=[case.number])).content.decode()
    assert "Sending failed" in page
    assert "451" in page

    # The job's retry sends the same mail (same Message-ID) once the server is back.
    from casedesk.cases import notifications

    smtp.fail = False
    notifications.send_reply(message.pk)
    failed.refresh_from_db()
    assert failed.state == OutboundMail.State.SENT
    assert smtp.messages[-1]["Message-ID"] == f"<{failed.message_id}>"
    notifications.send_reply(message.pk)  # a duplicate run sends nothing
    assert len(smtp.to("anna@a.test")) == 2


def test_a_prebuilt_mail_gets_the_same_headers(smtp: Inbox, case_a: Any) -> None:
    from django.core.mail import EmailMultiAlternatives

    from casedesk.mail import ids, outbound

    built = EmailMultiAlternatives(subject="Reminder", body="Still there?", to=["anna@a.test"])
    built.attach_alternative("<p>Still there?</p>", "text/html")
    built.attach("invite.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", "text/calendar")
    record = outbound.deliver_email(
        built, kind="reminder", key=f"reminder:{case_a.pk}:1", case=case_a, language="nb"
    )
    (sent,) = smtp.messages
    assert sent["Subject"].endswith(f" {case_a.number}] Reminder")
    assert sent["Auto-Submitted"] == "auto-generated"
    assert ids.case_id_from_address(str(sent["Reply-To"])) == case_a.pk
    assert sent["Message-ID"] == f"<{record.message_id}>"
    assert sent.get_body(("html",)) is not None
    assert [a.get_filename() for a in sent.iter_attachments()] == ["invite.ics"]
