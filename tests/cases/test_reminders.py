"""Reminders while a case waits on the customer, auto-close, and the one-click links in them.

The clock is frozen; the shared `policy` fixture is the default SLA policy on a Mon-Fri 08-16
Europe/Oslo calendar.
Friday 6 March 2026 15:00 plus 3 business days is Wednesday 11 March 15:00; plus 7 is
Tuesday 17 March 15:00; after that the last gap (4 days) repeats: Monday 23 March 15:00.
"""

from __future__ import annotations

import re
import threading
import time as time_module
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail, signing
from django.db import connections
from django.test import Client

from casedesk.cases import actions, reminders, tasks
from casedesk.cases.models import Case, CaseEvent, Status
from casedesk.cases.reminder_links import LinkAction, make_token
from casedesk.customers.models import Contact, Vendor
from casedesk.sla.models import SLAPolicy
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")
LINK = re.compile(r"https?://[^\s\"]+/portal/r/([^/\s\"]+)/")


def oslo(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


Clock = Callable[[datetime], None]  # the shared `frozen` fixture sets casedesk.core.clock
MORNING = oslo("2026-03-06T10:00")
FRIDAY_15 = oslo("2026-03-06T15:00")
FIRST = oslo("2026-03-11T15:00")
SECOND = oslo("2026-03-17T15:00")
THIRD = oslo("2026-03-23T15:00")


@pytest.fixture
def kari(org_a: Any) -> Contact:
    return factories.make_contact(org_a, email="kari@a.test", language="nb")


@pytest.fixture
def case(frozen: Clock, policy: SLAPolicy, kari: Contact, product: Any) -> Case:
    frozen(MORNING)
    return factories.make_case(kari, product, subject="Utskrift feiler")


@pytest.fixture
def proposed(frozen: Clock, case: Case, agent: Any) -> Case:
    frozen(FRIDAY_15)
    return actions.do_change_case_status(actor=agent, case=case, status=Status.SOLUTION_PROPOSED)


@pytest.fixture
def run_job(frozen: Clock, django_capture_on_commit_callbacks: Any) -> Callable[[datetime], None]:
    def run(at: datetime) -> None:
        frozen(at)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_reminders()

    return run


def _reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _links(message: Any) -> dict[str, str]:
    """Paths of the close and reopen links, found in both the text and the HTML part."""
    text_links = LINK.findall(message.body)
    html_links = LINK.findall(message.alternatives[0][0])
    assert len(text_links) == 2
    assert set(text_links) == set(html_links)
    close, reopen = (f"/portal/r/{token}/" for token in text_links)
    return {"close": close, "reopen": reopen}


def _events(case: Case, kind: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("id"))


# --- schedule ----------------------------------------------------------------------------


def test_entering_solution_proposed_schedules_the_first_reminder(proposed: Case) -> None:
    assert (_reload(proposed).next_reminder_at, _reload(proposed).reminder_count) == (FIRST, 0)


@pytest.mark.parametrize("by", ["agent", "customer reply"])
def test_leaving_the_status_clears_the_schedule(
    proposed: Case, agent: Any, kari: Contact, frozen: Clock, by: str
) -> None:
    frozen(oslo("2026-03-09T09:00"))
    if by == "agent":
        actions.do_change_case_status(actor=agent, case=proposed, status=Status.OPEN)
    else:
        assert kari.user is not None
        actions.do_add_message(actor=kari.user, case=proposed, body="Det virker ikke.")
    case = _reload(proposed)
    assert (case.status, case.next_reminder_at, case.reminder_count) == (Status.OPEN, None, 0)


def test_waiting_on_customer_also_schedules_and_restarts(
    case: Case, agent: Any, frozen: Clock
) -> None:
    frozen(oslo("2026-03-09T18:00"))  # Monday after closing: Thursday at closing time
    actions.do_change_case_status(actor=agent, case=case, status=Status.WAITING_ON_CUSTOMER)
    assert _reload(case).next_reminder_at == oslo("2026-03-12T16:00")
    frozen(oslo("2026-03-10T09:30"))
    actions.do_change_case_status(actor=agent, case=case, status=Status.SOLUTION_PROPOSED)
    assert _reload(case).next_reminder_at == oslo("2026-03-13T09:30")


@pytest.mark.parametrize(
    ("calendar", "days", "expected"),
    [
        (False, "3,7", oslo("2026-03-09T15:00")),  # no SLA calendar at all: plain days
        (True, "", None),  # the vendor switched reminders off
    ],
)
def test_schedule_without_calendar_or_reminder_days(
    request: pytest.FixtureRequest,
    frozen: Clock,
    kari: Contact,
    product: Any,
    agent: Any,
    calendar: bool,
    days: str,
    expected: datetime | None,
) -> None:
    if calendar:
        request.getfixturevalue("policy")
    Vendor.objects.update_or_create(pk=1, defaults={"reminder_business_days": days})
    frozen(MORNING)
    case = factories.make_case(kari, product)
    frozen(FRIDAY_15)
    actions.do_change_case_status(actor=agent, case=case, status=Status.SOLUTION_PROPOSED)
    assert _reload(case).next_reminder_at == expected


# --- the job -----------------------------------------------------------------------------


def test_job_sends_each_reminder_once(proposed: Case, run_job: Callable[[datetime], None]) -> None:
    mail.outbox.clear()
    run_job(FIRST - timedelta(minutes=1))
    assert mail.outbox == []
    run_job(FIRST)
    run_job(FIRST + timedelta(minutes=5))
    (message,) = mail.outbox
    # In the contact's language; new strings stay English until the catalogs are updated.
    assert message.to == ["kari@a.test"]
    assert proposed.number in message.subject
    assert "Utskrift feiler" in message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.body.startswith("Hei ")  # Norwegian greeting for a Norwegian contact
    assert "Fortsatt et problem" in message.body
    assert proposed.number in message.alternatives[0][0]
    assert len(set(_links(message).values())) == 2
    case = _reload(proposed)
    assert case.reminder_count == 1
    assert case.next_reminder_at == SECOND
    assert [e.new_value for e in _events(case, "reminder_sent")] == ["1"]

    run_job(SECOND - timedelta(hours=1))
    assert len(mail.outbox) == 1
    run_job(SECOND)
    run_job(SECOND)
    assert len(mail.outbox) == 2
    case = _reload(case)
    assert (case.reminder_count, case.next_reminder_at, case.status) == (2, THIRD, proposed.status)


@pytest.mark.django_db(transaction=True)
def test_concurrent_jobs_send_each_reminder_once(
    proposed: Case, kari: Contact, product: Any, agent: Any, frozen: Clock
) -> None:
    cases = [proposed]
    for n in range(4):
        frozen(MORNING)
        other = factories.make_case(kari, product, subject=f"Case {n}")
        frozen(FRIDAY_15)
        cases.append(
            actions.do_change_case_status(actor=agent, case=other, status=Status.SOLUTION_PROPOSED)
        )
    frozen(FIRST)
    mail.outbox.clear()
    errors: list[BaseException] = []
    done: list[int] = []
    barrier = threading.Barrier(4)

    def work() -> None:
        try:
            barrier.wait()
            done.append(reminders.do_send_due_reminders(now=FIRST))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert sum(done) == 5
    # One mail per case: each case number in exactly one subject.
    subjects = sorted(next(c.number for c in cases if c.number in m.subject) for m in mail.outbox)
    assert subjects == sorted(c.number for c in cases)
    assert CaseEvent.objects.filter(kind="reminder_sent").count() == 5


def test_late_job_sends_one_reminder_not_a_burst(proposed: Case, run_job: Clock) -> None:
    mail.outbox.clear()
    late = oslo("2026-04-01T10:00")  # the worker was down for weeks
    run_job(late)
    run_job(late)
    assert len(mail.outbox) == 1
    # Four business days from the late run, not from the missed due time.
    assert _reload(proposed).next_reminder_at == oslo("2026-04-07T10:00")


def test_stale_reminder_is_not_sent(proposed: Case, agent: Any, frozen: Clock) -> None:
    frozen(FIRST)
    assert reminders.do_send_reminder(case_id=proposed.pk, now=FIRST)  # mail task not run yet
    assert not reminders.do_send_reminder(case_id=proposed.pk, now=FIRST)
    actions.do_change_case_status(actor=agent, case=proposed, status=Status.OPEN)
    mail.outbox.clear()
    reminders.send_reminder_email(proposed.pk, 1)
    assert mail.outbox == []


def test_auto_close_is_off_by_default(proposed: Case, run_job: Callable[[datetime], None]) -> None:
    assert Vendor.current().auto_close_after_reminders is None
    for at in (FIRST, SECOND, THIRD, THIRD + timedelta(days=30)):
        run_job(at)
    case = _reload(proposed)
    assert case.status == Status.SOLUTION_PROPOSED
    assert case.reminder_count == 4


def test_auto_close_after_n_reminders(proposed: Case, run_job: Callable[[datetime], None]) -> None:
    Vendor.objects.update_or_create(pk=1, defaults={"auto_close_after_reminders": 2})
    mail.outbox.clear()
    run_job(FIRST)
    run_job(SECOND)
    assert _reload(proposed).status == Status.SOLUTION_PROPOSED
    run_job(THIRD)
    run_job(THIRD)
    case = _reload(proposed)
    assert case.status == Status.CLOSED
    assert case.closed_at == THIRD
    assert case.next_reminder_at is None
    (close,) = _events(case, "status_changed")[-1:]
    assert close.new_value == Status.CLOSED
    assert close.actor is None
    assert close.data == {"reason": "auto_close_after_reminders"}
    assert len(_events(case, "reminder_sent")) == 2
    assert len(mail.outbox) == 3
    closed_mail = mail.outbox[-1]
    assert case.number in closed_mail.subject
    assert closed_mail.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "/portal/r/" not in closed_mail.body


# --- the one-click links -----------------------------------------------------------------


@pytest.fixture
def links(proposed: Case, run_job: Callable[[datetime], None]) -> dict[str, str]:
    mail.outbox.clear()
    run_job(FIRST)
    return _links(mail.outbox[0])


def test_get_changes_nothing(proposed: Case, links: dict[str, str], client: Client) -> None:
    before = CaseEvent.objects.filter(case=proposed).count()
    for path in links.values():
        page = client.get(path).content.decode()  # what a mail scanner does
        assert all(text in page for text in (proposed.number, "Utskrift feiler", 'method="post"'))
    assert _reload(proposed).status == Status.SOLUTION_PROPOSED
    assert CaseEvent.objects.filter(case=proposed).count() == before


def test_post_close_closes_on_behalf_of_the_requester(
    proposed: Case, links: dict[str, str], kari: Contact, frozen: Clock
) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(links["close"])
    token = page.cookies["csrftoken"].value
    response = client.post(links["close"], {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    case = _reload(proposed)
    assert case.status == Status.CLOSED
    assert case.next_reminder_at is None
    event = _events(case, "status_changed")[-1]
    assert event.actor == kari.user
    assert event.data == {"reason": "reminder_link"}
    # Both links now say so, and change nothing.
    for path in links.values():
        again = client.get(path)
        assert again.status_code == 200
        assert case.number in again.content.decode()
        assert 'method="post"' not in again.content.decode()  # "already closed", no button
    client.post(links["reopen"], {"csrfmiddlewaretoken": token})
    assert _reload(case).status == Status.CLOSED


def test_post_still_a_problem_reopens(
    proposed: Case, links: dict[str, str], client: Client, kari: Contact
) -> None:
    response = client.post(links["reopen"])
    assert response.status_code == 200
    case = _reload(proposed)
    assert case.status == Status.OPEN
    assert case.next_reminder_at is None
    assert _events(case, "status_changed")[-1].data == {"reason": "reminder_link"}
    (note,) = _events(case, "still_a_problem")
    assert note.actor == kari.user
    # Posting again is harmless: the case is already back with the agents.
    before = CaseEvent.objects.filter(case=case).count()
    assert client.post(links["reopen"]).status_code == 200
    assert CaseEvent.objects.filter(case=case).count() == before


def test_requester_without_login_acts_without_a_user(
    policy: SLAPolicy, org_a: Any, product: Any, agent: Any, frozen: Clock, client: Client
) -> None:
    frozen(MORNING)
    helper = factories.make_contact(org_a, email="helper@a.test")
    assert helper.user is not None
    case = factories.make_case(helper, product)
    Contact.objects.filter(pk=helper.pk).update(user=None)
    frozen(FRIDAY_15)
    actions.do_change_case_status(actor=agent, case=case, status=Status.SOLUTION_PROPOSED)
    token = make_token(case_id=case.pk, action=LinkAction.CLOSE, contact_id=helper.pk)
    client.post(f"/portal/r/{token}/")
    case = _reload(case)
    assert case.status == Status.CLOSED
    assert _events(case, "status_changed")[-1].actor is None


def test_tampered_tokens_get_a_polite_page(
    proposed: Case, links: dict[str, str], client: Client
) -> None:
    token = links["close"].split("/")[3]
    signature = "AA" if not token.endswith("AA") else "BB"
    for bad in (token[:-2] + signature, "x" + token, token.split(":")[0], "not-a-token"):
        response = client.post(f"/portal/r/{bad}/")
        assert response.status_code == 400
        assert "<h1>" in response.content.decode()
        assert client.get(f"/portal/r/{bad}/").status_code == 400
    assert _reload(proposed).status == Status.SOLUTION_PROPOSED


def test_expired_token_gets_a_polite_page(
    proposed: Case, kari: Contact, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = time_module.time()
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real - 31 * 86400)
        old = make_token(case_id=proposed.pk, action=LinkAction.CLOSE, contact_id=kari.pk)
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real - 29 * 86400)
        recent = make_token(case_id=proposed.pk, action=LinkAction.CLOSE, contact_id=kari.pk)
    assert client.post(f"/portal/r/{old}/").status_code == 410
    assert _reload(proposed).status == Status.SOLUTION_PROPOSED
    assert client.get(f"/portal/r/{recent}/").status_code == 200


def test_token_is_bound_to_its_case(
    proposed: Case, links: dict[str, str], case_b: Case, kari: Contact, client: Client
) -> None:
    token = links["close"].split("/")[3]
    # Case A's signature on a payload naming case B.
    payload = signing.loads(token, salt="casedesk.reminder-link")
    forged_payload = signing.dumps({**payload, "c": case_b.pk}, salt="casedesk.reminder-link")
    forged = forged_payload.split(":")[0] + ":" + ":".join(token.split(":")[1:])
    assert client.post(f"/portal/r/{forged}/").status_code == 400
    # A genuinely signed link for case B, but sent to A's contact, is not B's requester's.
    foreign = make_token(case_id=case_b.pk, action=LinkAction.CLOSE, contact_id=kari.pk)
    assert client.get(f"/portal/r/{foreign}/").status_code == 400
    assert client.post(f"/portal/r/{foreign}/").status_code == 400
    # The right payload, signed for another purpose (salt), is no reminder link either.
    other = signing.dumps({**payload}, salt="something-else")
    assert client.post(f"/portal/r/{other}/").status_code == 400
    assert _reload(case_b).status != Status.CLOSED
    assert _reload(proposed).status == Status.SOLUTION_PROPOSED
