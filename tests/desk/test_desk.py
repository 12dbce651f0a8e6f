from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Status
from tests import factories


@pytest.fixture
def desk(client: Client, agent: Any) -> Client:
    client.force_login(agent)
    return client


def _queue_numbers(desk: Client, **params: Any) -> list[str]:
    return _numbers(desk.get(reverse("desk:queue"), params).content.decode())


def _numbers(body: str) -> list[str]:
    return re.findall(r'<a href="/desk/cases/(\d{4}-\d{6})/">', body)


def test_queue_puts_urgent_first_then_customer_rank(
    desk: Client, contact_a: Any, contact_b: Any, product: Any
) -> None:
    a1 = factories.make_case(contact_a, product, severity=1)
    a2 = factories.make_case(contact_a, product, severity=2)
    b1 = factories.make_case(contact_b, product, severity=1)
    down = factories.make_case(contact_b, product, severity=4)
    actions.do_move_case_rank(actor=contact_a.user, case=a2, direction="up")
    numbers = _queue_numbers(desk)
    assert numbers[0] == down.number
    assert numbers.index(a2.number) < numbers.index(a1.number)
    assert set(numbers) == {a1.number, a2.number, b1.number, down.number}


def test_queue_filters(
    desk: Client, agent: Any, contact_a: Any, contact_b: Any, product: Any, org_b: Any
) -> None:
    a = factories.make_case(contact_a, product, severity=1)
    b = factories.make_case(contact_b, product, severity=5)
    actions.do_assign_case(actor=agent, case=a, assignee=agent)
    actions.do_add_message(actor=agent, case=a, body="On it")
    assert _queue_numbers(desk, organization=org_b.pk) == [b.number]
    assert _queue_numbers(desk, severity=5) == [b.number]
    assert _queue_numbers(desk, assignee=agent.pk) == [a.number]
    assert _queue_numbers(desk, assignee="none") == [b.number]
    assert _queue_numbers(desk, status="new") == [b.number]
    actions.do_change_case_status(actor=contact_b.user, case=b, status=Status.CLOSED)
    assert _queue_numbers(desk, status="closed") == [b.number]


def test_queue_keyset_pages_cover_everything_once(
    desk: Client, contact_a: Any, product: Any
) -> None:
    created = {
        factories.make_case(contact_a, product, severity=1 + i % 5).number for i in range(120)
    }
    seen: list[str] = []
    url: str | None = reverse("desk:queue")
    while url:
        body = desk.get(url).content.decode()
        seen += _numbers(body)
        url = (
            reverse("desk:queue")
            + "?"
            + body.split('href="?')[1].split('"')[0].replace("&amp;", "&")
            if "Next page" in body
            else None
        )
    assert len(seen) == len(created)
    assert set(seen) == created


def test_queue_query_count_does_not_grow_with_rows(
    desk: Client, contact_a: Any, product: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        factories.make_case(contact_a, product)
    # 9: session, user, the page, its SLA clocks, the filters' agents, products and
    # organizations, and whether a default SLA policy exists (a configuration version
    # read, and the lookup itself until it is cached).
    with django_assert_max_num_queries(9) as small:
        desk.get(reverse("desk:queue"))
    for _ in range(40):
        factories.make_case(contact_a, product)
    with django_assert_max_num_queries(len(small.captured_queries)):
        desk.get(reverse("desk:queue"))


def test_case_page_query_count_is_flat(
    desk: Client, case_a: Case, agent: Any, django_assert_max_num_queries: Any
) -> None:
    url = reverse("desk:case", args=[case_a.number])
    with django_assert_max_num_queries(30) as before:
        desk.get(url)
    for i in range(10):
        actions.do_add_message(
            actor=agent, case=case_a, body=f"reply {i}", uploads=[factories.png_upload()]
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        desk.get(url)


def test_reply_note_and_status(
    desk: Client, case_a: Case, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("desk:reply", args=[case_a.number])
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url, {"body": "Internal remark", "kind": "note"})
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            url, {"body": "Please restart", "kind": "reply", "then_status": "solution_proposed"}
        )
    case_a.refresh_from_db()
    assert case_a.status == Status.SOLUTION_PROPOSED
    [sent] = mail.outbox
    assert "Please restart" in sent.body
    assert case_a.number in sent.subject


def test_update_form_and_audit_trail(desk: Client, case_a: Case, agent: Any) -> None:
    url = reverse("desk:update", args=[case_a.number])
    data = {"assignee": agent.pk, "status": "closed", "severity": 5, "category": "question"}
    response = desk.post(url, data)
    assert response.status_code == 409
    assert b"Only the customer closes" in response.content
    case_a.refresh_from_db()
    assert case_a.severity == 2
    assert case_a.assignee is None
    response = desk.post(url, {**data, "on_behalf_of_customer": "on"})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.status == Status.CLOSED
    assert case_a.severity == 5
    page = desk.get(reverse("desk:case", args=[case_a.number])).content.decode()
    assert "on the customer&#x27;s behalf" in page or "on the customer's behalf" in page
    assert CaseEvent.objects.filter(case=case_a, on_behalf_of_customer=True).count() == 1


def test_invalid_transition_via_form_is_409(desk: Client, case_a: Case, contact_a: Any) -> None:
    actions.do_change_case_status(actor=contact_a.user, case=case_a, status=Status.CLOSED)
    response = desk.post(
        reverse("desk:update", args=[case_a.number]),
        {"status": "on_hold", "severity": 2, "category": "problem"},
    )
    assert response.status_code == 409
    assert b"cannot go from" in response.content


def test_audit_trail_and_intake_are_readable(
    desk: Client, contact_a: Any, product: Any, agent: Any
) -> None:
    from casedesk.cases.models import IntakeField

    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    case = actions.do_create_case(
        actor=contact_a.user,
        requester=contact_a,
        product=product,
        subject="S",
        description="D",
        category="problem",
        severity=2,
        intake_data={"where": "Payroll"},
    )
    actions.do_add_message(actor=agent, case=case, body="ok", then_status="waiting_on_customer")
    page = desk.get(reverse("desk:case", args=[case.number])).content.decode()
    assert "changed the status: New → Open" in page
    assert "Open → Waiting on customer" in page
    assert "Where in the system:</strong> Payroll" in page


def test_times_are_shown_in_the_viewers_time_zone(
    client: Client, case_a: Case, agent: Any, contact_a: Any
) -> None:
    from datetime import UTC, datetime

    Case.objects.filter(pk=case_a.pk).update(updated_at=datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    agent.time_zone = "UTC"
    agent.save()
    contact_a.user.time_zone = "Europe/Oslo"
    contact_a.user.save()
    client.force_login(agent)
    assert "1/05/2026 1:30 p.m." in client.get(reverse("desk:queue")).content.decode()
    client.force_login(contact_a.user)
    assert "1/05/2026 2:30 p.m." in client.get(reverse("portal:cases")).content.decode()


def test_queue_warns_when_no_default_sla_policy(client: Client, agent: Any, policy: Any) -> None:
    client.force_login(agent)
    warning = "There is no default SLA policy"
    assert warning not in client.get(reverse("desk:queue")).content.decode()
    policy.is_default = False
    policy.save(update_fields=["is_default"])
    assert warning in client.get(reverse("desk:queue")).content.decode()
