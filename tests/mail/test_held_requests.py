"""Mail about requests held for approval: the requester writing again, and a reference
person answering the approval mail, end to end over the pipe and the loopback SMTP server."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, HeldRequest
from casedesk.customers.models import ContactRole, Vendor
from casedesk.mail.held import APPROVE, REJECT, decision_in
from casedesk.mail.models import InboundMail
from tests import factories
from tests.mail.conftest import Inbox, Ingest, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(org_a: Any) -> Any:
    """Someone at org A who is no designated contact: their requests are held."""
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    contact = factories.make_contact(org_a, email="colleague@a.test")
    contact.roles.all().delete()
    return contact


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _held(ingest: Ingest, smtp: Inbox) -> tuple[HeldRequest, EmailMessage, EmailMessage]:
    """The colleague asks by mail: the request, our "held" answer, the approval mail."""
    row = ingest(
        make_mail(
            sender="colleague@a.test",
            subject="Printer broken",
            body="The printer on floor 2 is broken. " + "It was fine yesterday. " * 12,
            message_id="<first@a.test>",
        )
    )
    assert row.outcome == InboundMail.Outcome.HELD
    [answer] = smtp.to("colleague@a.test")
    [approval] = smtp.to("anna@a.test")
    return HeldRequest.objects.get(), answer, approval


def _reply_to(mail: EmailMessage, *, sender: str, body: str, **extra: Any) -> bytes:
    return make_mail(
        sender=sender,
        subject="Re: " + str(mail["Subject"]),
        body=body,
        headers={
            "In-Reply-To": str(mail["Message-ID"]),
            "References": f"{mail.get('References', '')} {mail['Message-ID']}".strip(),
            **extra,
        },
    )


@pytest.mark.parametrize("way", ["reply to our answer", "own thread", "same subject"])
def test_a_follow_up_joins_the_waiting_request(
    way: str, smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    held, answer, _approval = _held(ingest, smtp)
    follow_up = {
        "reply to our answer": _reply_to(
            answer, sender="colleague@a.test", body="It shows error E42.\n\n> quoted"
        ),
        "own thread": make_mail(
            sender="colleague@a.test",
            subject="Re: Printer broken",
            body="It shows error E42.",
            headers={"In-Reply-To": "<first@a.test>", "References": "<first@a.test>"},
        ),
        "same subject": make_mail(
            sender="colleague@a.test", subject="SV: printer  BROKEN", body="It shows error E42."
        ),
    }[way]
    row = ingest(follow_up)
    assert row.outcome == InboundMail.Outcome.HELD
    assert row.data["held_request"] == held.pk
    assert HeldRequest.objects.count() == 1
    held.refresh_from_db()
    assert held.description.startswith("The printer on floor 2 is broken.")
    assert "It shows error E42." in held.description
    assert "quoted" not in held.description
    # The reference person was asked once about this request; the colleague hears it waits.
    assert len(smtp.to("anna@a.test")) == 1
    assert "waiting for approval" in _text(smtp.to("colleague@a.test")[-1])
    # The reference person sees all of it in the portal, long as the request is.
    client = Client()
    client.force_login(contact_a.user)
    assert "It shows error E42." in client.get(reverse("portal:held_requests")).content.decode()
    # Approved, the case carries the follow-up too.
    case = actions.do_approve_held_request(actor=contact_a.user, held=held)
    assert "It shows error E42." in case.messages.get().body


def test_a_follow_up_keeps_its_attachment_on_the_request(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    held, answer, _approval = _held(ingest, smtp)
    raw = make_mail(
        sender="colleague@a.test",
        subject="Re: Printer broken",
        body="Screenshot attached.",
        headers={"In-Reply-To": str(answer["Message-ID"])},
        attachments=[("error.png", factories.PNG_BYTES, "image/png")],
    )
    ingest(raw)
    held.refresh_from_db()
    assert [f["filename"] for f in held.files] == ["error.png"]
    case = actions.do_approve_held_request(actor=contact_a.user, held=held)
    assert [a.filename for a in case.attachments.all()] == ["error.png"]


def test_a_follow_up_after_approval_goes_to_the_case(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    held, answer, _approval = _held(ingest, smtp)
    case = actions.do_approve_held_request(actor=contact_a.user, held=held)
    row = ingest(_reply_to(answer, sender="colleague@a.test", body="Now it is on fire."))
    assert row.outcome == InboundMail.Outcome.REPLY
    assert row.case == case
    assert case.messages.order_by("id").last().body == "Now it is on fire."
    assert HeldRequest.objects.count() == 1
    assert Case.objects.count() == 1


def test_a_follow_up_after_rejection_is_a_new_request(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    held, answer, _approval = _held(ingest, smtp)
    actions.do_reject_held_request(actor=contact_a.user, held=held)
    row = ingest(_reply_to(answer, sender="colleague@a.test", body="Please reconsider."))
    assert row.outcome == InboundMail.Outcome.HELD
    assert row.data["held_request"] != held.pk
    assert HeldRequest.objects.filter(state="pending").get().description == "Please reconsider."
    assert len(smtp.to("anna@a.test")) == 2  # asked about the new request


@pytest.mark.parametrize(
    ("language", "word"), [("en", "Yes"), ("nb", "Godkjenn!"), ("nb", "approve")]
)
def test_a_reference_person_approves_by_answering_the_approval_mail(
    language: str, word: str, smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    contact_a.language = language
    contact_a.save()
    held, _answer, approval = _held(ingest, smtp)
    row = ingest(
        _reply_to(
            approval, sender="anna@a.test", body=f"{word}\n\nOn Monday, x@a.test wrote:\n> ..."
        )
    )
    held.refresh_from_db()
    assert Case.objects.count() == 1  # the approved request, no case made of the answer
    assert held.state == "approved"
    assert held.decided_by == contact_a
    assert row.outcome == InboundMail.Outcome.DECISION
    case = Case.objects.get()
    assert held.case == case
    assert case.requester == colleague
    # The portal's audit trail: the case was created, approved by the reference person.
    assert case.events.get(kind="created").data["approved_by"] == contact_a.pk
    assert f"[Case {case.number}]" in str(smtp.to("colleague@a.test")[-1]["Subject"])
    confirmation = smtp.to("anna@a.test")[-1]
    assert confirmation["Auto-Submitted"] == "auto-generated"
    assert case.number in _text(confirmation)


def test_a_reference_person_rejects_by_answering_in_their_language(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    contact_a.language = "sv"
    contact_a.save()
    held, _answer, approval = _held(ingest, smtp)
    row = ingest(_reply_to(approval, sender="anna@a.test", body="Nej."))
    held.refresh_from_db()
    assert Case.objects.count() == 0
    assert (held.state, held.decided_by) == ("rejected", contact_a)
    assert row.outcome == InboundMail.Outcome.DECISION
    assert "not approved" in str(smtp.to("colleague@a.test")[-1]["Subject"])


def test_an_unclear_answer_decides_nothing_and_points_to_the_links(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    held, _answer, approval = _held(ingest, smtp)
    row = ingest(_reply_to(approval, sender="anna@a.test", body="Who is this? Yes, maybe."))
    held.refresh_from_db()
    assert held.state == "pending"
    assert Case.objects.count() == 0
    assert row.outcome == InboundMail.Outcome.DECISION
    answer = smtp.to("anna@a.test")[-1]
    assert answer["In-Reply-To"] == f"<{row.message_id}>"
    assert answer["Auto-Submitted"] == "auto-generated"
    assert "nothing is decided" in _text(answer)
    assert reverse("portal:held_requests") in _text(answer)
    # Answering that answer with a clear word decides after all.
    ingest(_reply_to(answer, sender="anna@a.test", body="reject"))
    held.refresh_from_db()
    assert held.state == "rejected"


def test_an_unclear_answer_that_must_not_be_answered_gets_none(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest
) -> None:
    _held_request, _answer, approval = _held(ingest, smtp)
    ingest(
        _reply_to(approval, sender="anna@a.test", body="Hmm?"),
        envelope_from="<>",  # a null sender: no automatic answer may go out
    )
    assert len(smtp.to("anna@a.test")) == 1
    assert HeldRequest.objects.get().state == "pending"
    assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["technical", "other organization", "out of office"])
def test_only_an_entitled_reference_person_decides_by_mail(
    who: str, smtp: Inbox, contact_a: Any, contact_b: Any, colleague: Any, ingest: Ingest
) -> None:
    held, _answer, approval = _held(ingest, smtp)
    extra: dict[str, str] = {}
    if who == "technical":
        sender = "tech@a.test"
        factories.make_contact(held.organization, email=sender, role=ContactRole.Role.TECHNICAL)
    elif who == "other organization":
        sender = contact_b.email
    else:
        sender, extra = "anna@a.test", {"Auto-Submitted": "auto-replied"}
    sent_before = len(smtp.to(sender))
    row = ingest(_reply_to(approval, sender=sender, body="Yes", **extra))
    held.refresh_from_db()
    assert held.state == "pending"
    assert Case.objects.count() == 0
    assert row.outcome == InboundMail.Outcome.IGNORED
    assert len(smtp.to(sender)) == sent_before  # nothing decided, nothing answered


@pytest.mark.parametrize(
    ("reply", "language", "expected"),
    [
        ("approve", "en", APPROVE),
        ("  Ja.  \nthanks", "da", APPROVE),
        ("godkänn", "sv", APPROVE),
        ("Goedkeuren", "nl", APPROVE),
        ("afwijzen", "nl", REJECT),
        ("\n\nAvvis", "nb", REJECT),
        ("no", "nl", REJECT),
        ("nee", "en", None),  # Dutch words count for Dutch readers (and English for all)
        ("yes please, but who is it?", "en", None),
        ("> yes", "en", None),
        ("", "en", None),
    ],
)
def test_decision_words(reply: str, language: str, expected: str | None) -> None:
    assert decision_in(reply, language) == expected


def test_a_follow_up_is_headed_with_the_time_in_the_organizations_zone(
    smtp: Inbox, contact_a: Any, colleague: Any, ingest: Ingest, frozen: Any
) -> None:
    """The heading is stored in the request's text, which the organization's people read: it
    is in their zone (here London, by country), not the vendor's (Oslo, an hour ahead)."""
    from datetime import UTC, datetime

    colleague.organization.country, colleague.organization.time_zone = "GB", ""
    colleague.organization.save(update_fields=["country", "time_zone"])
    frozen(datetime(2026, 3, 6, 14, 30, tzinfo=UTC))
    held, _answer, _approval = _held(ingest, smtp)
    ingest(make_mail(sender="colleague@a.test", subject="Re: Printer broken", body="Also E42."))
    held.refresh_from_db()
    assert "Also E42." in held.description
    assert "2:30 p.m." in held.description
    assert "3:30 p.m." not in held.description
