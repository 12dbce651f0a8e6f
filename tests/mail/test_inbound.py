"""The inbound pipeline end to end: raw bytes in, cases, replies and answers out over SMTP."""

from __future__ import annotations

from typing import Any

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Channel, HeldRequest, Message, Status
from casedesk.core.errors import NotFound
from casedesk.customers.models import ContactRole, Vendor
from casedesk.mail import ids
from casedesk.mail.models import InboundMail, MessageId, OutboundMail
from tests import factories
from tests.mail.conftest import Inbox, Ingest, make_mail

pytestmark = pytest.mark.django_db


def _wait(case: Case) -> None:
    case.status = Status.WAITING_ON_CUSTOMER
    case.save(update_fields=["status"])


def test_new_case_from_a_contact_is_acknowledged_with_threading_headers(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    row = ingest(make_mail(message_id="<first@a.test>", body="Printer says C:\\Data\\report.xlsx"))
    assert row.state == InboundMail.State.PROCESSED
    assert row.outcome == InboundMail.Outcome.NEW_CASE
    case = row.case
    assert case is not None
    assert case.channel == Channel.EMAIL
    assert case.requester == contact_a
    assert case.messages.get().body == "Printer says C:\\Data\\report.xlsx"
    (ack,) = smtp.to("anna@a.test")
    assert f"[Case {case.number}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-generated"
    assert ack["In-Reply-To"] == "<first@a.test>"
    assert "<first@a.test>" in ack["References"]
    assert ids.case_id_from_message_id(ack["Message-ID"]) == case.pk
    assert ack["Message-ID"].endswith("@desk.test>")
    assert ids.case_id_from_address(str(ack["Reply-To"])) == case.pk
    assert ack.get_body(("plain",)) is not None
    assert ack.get_body(("html",)) is not None
    assert MessageId.objects.filter(case=case, direction="in", value="first@a.test").exists()
    assert OutboundMail.objects.get(case=case).state == OutboundMail.State.SENT


def test_senders_are_recognised_in_any_letter_case(
    contact_a: Any, agent: Any, ingest: Ingest
) -> None:
    row = ingest(make_mail(sender="ANNA@A.Test", subject="Shouting"))
    assert row.outcome == InboundMail.Outcome.NEW_CASE
    assert row.case is not None
    assert row.case.requester == contact_a
    note = ingest(make_mail(sender=agent.email.upper(), to=ids.reply_address(row.case.pk)))
    assert note.outcome == InboundMail.Outcome.REPLY
    assert row.case.messages.order_by("id").last().author == agent


def test_reply_to_the_reply_address_threads_reopens_and_folds_the_quote(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    case = ingest(make_mail()).case
    assert case is not None
    _wait(case)
    (ack,) = smtp.messages
    reply = make_mail(
        to=str(ack["Reply-To"]),
        subject="Re: " + str(ack["Subject"]),
        body="Still broken.\n\nOn Mon, 2 Mar 2026 at 10:15, Support <support@desk.test> wrote:\n"
        "> Hello\n> We received your case.\n",
    )
    row = ingest(reply)
    assert row.outcome == InboundMail.Outcome.REPLY
    assert row.case == case
    assert row.data["via"] == "reply_address"
    message = case.messages.order_by("id").last()
    assert message is not None
    assert message.body == "Still broken."
    assert message.channel == Channel.EMAIL
    assert "We received your case." in row.data["quoted"]
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_reply_threads_by_our_message_id_or_by_the_subject_tag(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    case = ingest(make_mail()).case
    assert case is not None
    (ack,) = smtp.messages
    by_id = ingest(make_mail(subject="no tag", headers={"In-Reply-To": ack["Message-ID"]}))
    assert (by_id.case, by_id.data["via"]) == (case, "message_id")
    by_tag = ingest(make_mail(subject=f"Re: [Sak {case.number}] Nytt svar"))
    assert (by_tag.case, by_tag.data["via"]) == (case, "subject")
    assert case.messages.count() == 3


def test_sender_not_allowed_on_the_case_gets_no_thread(
    smtp: Inbox, contact_a: Any, contact_b: Any, ingest: Ingest
) -> None:
    case_a = ingest(make_mail()).case
    assert case_a is not None
    forged = make_mail(
        sender="bob@b.test",
        to=ids.reply_address(case_a.pk),
        subject=f"[Case {case_a.number}] let me in",
        headers={"In-Reply-To": f"<{ids.make_message_id(case_a.pk)}>", "X-Casedesk-Case": "x"},
    )
    row = ingest(forged)
    assert row.outcome == InboundMail.Outcome.NEW_CASE
    assert row.case is not None
    assert row.case != case_a
    assert row.case.organization == contact_b.organization
    assert case_a.messages.count() == 1


def test_a_forged_token_is_not_trusted(contact_a: Any, case_a: Any, ingest: Ingest) -> None:
    token = ids.reply_address(case_a.pk)
    forged = token.replace(token.split("-")[-1].split("@")[0], "0" * 12)
    assert ids.case_id_from_address(forged) is None
    assert ids.case_id_from_message_id(f"cd.{case_a.pk}.abc.{'0' * 16}@desk.test") is None


def test_unknown_sender_is_refused_politely_in_the_organizations_language(
    smtp: Inbox, org_a: Any, contact_a: Any, ingest: Ingest
) -> None:
    org_a.language = "nb"
    org_a.save()
    factories.make_contact(org_a, email="second@a.test")  # two people at the domain
    row = ingest(make_mail(sender="stranger@a.test", message_id="<s1@a.test>"))
    assert row.outcome == InboundMail.Outcome.REFUSED
    assert Case.objects.count() == 0
    (answer,) = smtp.to("stranger@a.test")
    assert answer["In-Reply-To"] == "<s1@a.test>"
    assert answer["Auto-Submitted"] == "auto-generated"
    text = answer.get_body(("plain",))
    assert text is not None
    assert contact_a.name in text.get_content()  # the reference person is named
    assert "Vi fant deg ikke blant kontaktpersonene" in text.get_content()


def test_suspended_customer_is_refused(smtp: Inbox, product: Any, ingest: Ingest) -> None:
    org = factories.make_organization("Late payer", products=[product], standing="suspended")
    factories.make_contact(org, email="late@late.test")
    row = ingest(make_mail(sender="late@late.test"))
    assert row.outcome == InboundMail.Outcome.REFUSED
    assert row.data["answer"]["reason"] == "suspended"
    assert len(smtp.to("late@late.test")) == 1


def test_non_designated_contact_is_held_when_the_vendor_holds(
    smtp: Inbox, org_a: Any, contact_a: Any, ingest: Ingest
) -> None:
    vendor = Vendor.current()
    vendor.hold_requests_from_non_designated = True
    vendor.save()
    colleague = factories.make_contact(org_a, email="colleague@a.test", language="nb")
    colleague.roles.all().delete()
    row = ingest(make_mail(sender="colleague@a.test"))
    assert row.outcome == InboundMail.Outcome.HELD
    assert HeldRequest.objects.get().requester == colleague
    [answer] = smtp.to("colleague@a.test")  # "waiting for approval", in their language
    text = answer.get_body(("plain",))
    assert text is not None
    assert "venter på godkjenning" in text.get_content()
    assert ContactRole.objects.filter(contact=contact_a).exists()


def test_the_same_message_twice_makes_one_case_message(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    raw = make_mail(message_id="<twice@a.test>")
    first = ingest(raw)
    second = ingest(raw, source=InboundMail.Source.IMAP)
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(smtp.messages) == 1


def test_automatic_mail_gets_no_answer_and_out_of_office_does_not_reopen(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    bulk = ingest(make_mail(sender="news@vendor-x.test", headers={"Precedence": "bulk"}))
    assert bulk.outcome == InboundMail.Outcome.IGNORED
    assert not smtp.to("news@vendor-x.test")
    case = ingest(make_mail()).case
    assert case is not None
    _wait(case)
    ooo = ingest(
        make_mail(
            subject=f"Automatic reply: [Case {case.number}]",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert ooo.outcome == InboundMail.Outcome.AUTO_REPLY
    case.refresh_from_db()
    assert case.status == Status.WAITING_ON_CUSTOMER
    assert case.messages.count() == 1
    assert CaseEvent.objects.filter(case=case, kind="mail_auto_reply").exists()
    assert len(smtp.messages) == 1  # only the acknowledgement


def test_auto_submitted_mail_from_a_contact_opens_a_case_without_acknowledgement(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    row = ingest(make_mail(headers={"Auto-Submitted": "auto-generated"}, subject="Disk full"))
    assert row.outcome == InboundMail.Outcome.NEW_CASE
    assert not smtp.messages
    outbound = OutboundMail.objects.get(case=row.case)
    assert outbound.state == OutboundMail.State.SUPPRESSED


def test_automatic_answers_are_rate_limited_per_sender(
    smtp: Inbox, settings: Any, ingest: Ingest, db: None
) -> None:
    settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = 3
    for n in range(5):
        ingest(make_mail(sender="flood@nowhere.test", subject=f"hello {n}"))
    assert len(smtp.to("flood@nowhere.test")) == 3
    assert OutboundMail.objects.filter(state=OutboundMail.State.SUPPRESSED).count() == 2


def test_receipts_for_cases_opened_in_the_portal_are_not_rate_limited(
    smtp: Inbox,
    settings: Any,
    contact_a: Any,
    product: Any,
    ingest: Ingest,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The limit stops machines answering each other; a receipt answers no mail."""
    settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            factories.make_case(contact_a, product, subject=f"Outage {n}")
    assert len(smtp.to(contact_a.email)) == 5
    assert not OutboundMail.objects.filter(state=OutboundMail.State.SUPPRESSED).exists()
    # Nor do they count against the answers to e-mail that the limit is for.
    row = ingest(make_mail(sender=contact_a.email, subject="And by e-mail"))
    assert OutboundMail.objects.get(case=row.case).state == OutboundMail.State.SENT


def test_the_limit_holds_for_mail_without_a_message_id(
    smtp: Inbox, settings: Any, contact_a: Any, ingest: Ingest
) -> None:
    """An auto-responder that sends no Message-ID still gets answers only within the limit."""
    settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = 2
    for n in range(4):
        raw = make_mail(sender=contact_a.email, subject=f"Ping {n}")
        ingest(raw.replace(b"Message-ID:", b"X-Old-Message-ID:"))
    assert len(smtp.to(contact_a.email)) == 2
    assert OutboundMail.objects.filter(state=OutboundMail.State.SUPPRESSED).count() == 2


def test_mail_from_our_own_address_is_a_loop_and_ignored(smtp: Inbox, ingest: Ingest) -> None:
    row = ingest(make_mail(sender="support@desk.test"))
    assert row.outcome == InboundMail.Outcome.IGNORED
    assert not smtp.messages


def test_mail_from_an_agent_becomes_an_internal_note_never_a_reply(
    smtp: Inbox, agent: Any, contact_a: Any, ingest: Ingest, case_b: Any
) -> None:
    # From: is not verified, so an agent's address must not speak to customers by mail.
    case = ingest(make_mail()).case
    assert case is not None
    row = ingest(make_mail(sender=agent.email, to=ids.reply_address(case.pk), body="Try again."))
    assert row.outcome == InboundMail.Outcome.REPLY
    message = case.messages.order_by("id").last()
    assert message is not None
    assert message.author == agent
    assert message.kind == "note"
    assert len(smtp.to("anna@a.test")) == 1  # the acknowledgement only
    [notice] = smtp.to(agent.email)  # and the agent learns that no customer read it
    text = notice.get_body(("plain",))
    assert text is not None
    assert f"added to case {case.number} as an internal note" in text.get_content()
    # A forged agent address with a guessed case tag reaches no case at all.
    forged = ingest(
        make_mail(sender=agent.email, subject=f"[Case {case_b.number}] update", body="Pay here")
    )
    assert forged.case is None
    assert not case_b.messages.filter(body__contains="Pay here").exists()
    assert smtp.to("bob@b.test") == []


def test_agent_reply_from_the_desk_threads_under_the_customers_mail(
    smtp: Inbox, agent: Any, contact_a: Any, ingest: Ingest, django_capture_on_commit_callbacks: Any
) -> None:
    case = ingest(make_mail(message_id="<orig@a.test>")).case
    assert case is not None
    customer = ingest(make_mail(subject=f"[Case {case.number}] more", message_id="<more@a.test>"))
    assert customer.outcome == InboundMail.Outcome.REPLY
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(actor=agent, case=case, body="Fixed.")
    reply = smtp.messages[-1]
    assert reply["In-Reply-To"] == "<more@a.test>"
    assert "<orig@a.test>" in reply["References"]
    assert ids.case_id_from_message_id(reply["References"].split()[0]) == case.pk


def test_attachments_are_kept_and_refused_ones_are_named(
    smtp: Inbox, contact_a: Any, ingest: Ingest
) -> None:
    raw = make_mail(
        attachments=[
            ("skjermbilde æøå.png", factories.PNG_BYTES, "image/png"),
            ("../../evil.exe", b"MZ", "application/octet-stream"),
        ]
    )
    row = ingest(raw)
    case = row.case
    assert case is not None, row.error
    assert list(case.attachments.values_list("filename", flat=True)) == ["skjermbilde æøå.png"]
    body = case.messages.get().body
    assert "evil.exe" in body
    assert row.data["rejected_attachments"]


def test_the_note_on_refused_files_is_in_the_writers_language(
    smtp: Inbox, contact_a: Any, case_a: Case, ingest: Ingest
) -> None:
    contact_a.language = "nb"
    contact_a.save()
    files = [("virus.exe", b"MZ", "application/octet-stream")]
    new = ingest(make_mail(subject="Ny sak", attachments=files))
    reply = ingest(make_mail(subject=f"Re: [Case {case_a.number}]", attachments=files))
    for row in (new, reply):
        assert row.case_message is not None
        body = row.case_message.body
        assert "Vedlegg som ikke ble godtatt" in body
        assert "Filer av typen «exe» godtas ikke" in body


def test_a_colleague_who_is_not_designated_reaches_only_their_own_cases_by_mail(
    smtp: Inbox, contact_a: Any, case_a: Case, ingest: Ingest
) -> None:
    """The portal shows a non-designated colleague only their own cases; e-mail no more."""
    colleague = factories.make_contact(contact_a.organization, email="col@a.test")
    # Opened while they were a designated contact; they no longer are.
    own = factories.make_case(colleague, case_a.product, subject="Mine")
    colleague.roles.all().delete()
    row = ingest(make_mail(sender="col@a.test", subject=f"Re: [Case {case_a.number}] hi"))
    assert row.case != case_a
    assert row.outcome == InboundMail.Outcome.REFUSED
    assert case_a.messages.count() == 1
    # The action itself holds the same line for any channel that passes a sender.
    with pytest.raises(NotFound):
        actions.do_add_message(actor=None, sender=colleague, case=case_a, body="x")
    reply = ingest(make_mail(sender="col@a.test", subject=f"Re: [Case {own.number}] more"))
    assert (reply.case, reply.outcome) == (own, InboundMail.Outcome.REPLY)
    assert own.messages.count() == 2


def test_the_audit_trail_names_the_customer_who_wrote_by_mail(
    smtp: Inbox, contact_a: Any, agent: Any, client: Any, ingest: Ingest
) -> None:
    case = ingest(make_mail()).case
    assert case is not None
    ingest(make_mail(subject=f"Re: [Case {case.number}] more"))
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert f"{contact_a.name} · created the case" in page
    assert f"{contact_a.name} · replied" in page
    assert "system · replied" not in page


def test_an_answer_to_a_reply_does_not_stack_re(smtp: Inbox, ingest: Ingest, db: None) -> None:
    ingest(make_mail(sender="who@nowhere.test", subject="SV: Printing fails"))
    ingest(make_mail(sender="who@nowhere.test", subject="Printing fails"))
    assert [m["Subject"] for m in smtp.to("who@nowhere.test")] == [
        "SV: Printing fails",
        "Re: Printing fails",
    ]
