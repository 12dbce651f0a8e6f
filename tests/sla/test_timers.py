"""SLA clocks follow the case: start, pause, resume, retarget, stop; the scan notices once."""

from __future__ import annotations

from typing import Any

from django.core import mail

from casedesk.cases import actions
from casedesk.cases.models import NO_DUE_TIME, Case, CaseEvent, Status
from casedesk.mail import ids
from casedesk.sla import actions as sla_actions
from casedesk.sla.models import SLANotice, SLATimer
from casedesk.sla.scan import do_scan_sla
from tests import factories
from tests.factories import oslo


def _timer(case: Case, metric: str) -> SLATimer:
    return SLATimer.objects.get(case=case, metric=metric)


def test_due_times_skip_closed_hours(sla: Any, frozen: Any, contact_a: Any, product: Any) -> None:
    frozen(oslo(2026, 3, 6, 15, 30))  # Friday, 30 minutes before closing
    case = factories.make_case(contact_a, product, severity=2)  # first response: 4 h
    first = _timer(case, "first_response")
    assert first.due_at == oslo(2026, 3, 9, 11, 30)  # Monday
    assert _timer(case, "resolution").due_at == oslo(2026, 3, 13, 15, 30)  # 5 days
    case.refresh_from_db()
    assert case.queue_due_at == first.due_at


def test_agent_reply_meets_first_response(
    sla: Any, frozen: Any, contact_a: Any, product: Any, agent: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 30))
    case = factories.make_case(contact_a, product)
    frozen(oslo(2026, 3, 9, 9, 0))
    actions.do_add_message(actor=agent, case=case, body="Looking")
    first = _timer(case, "first_response")
    assert first.state == "met"
    assert first.met_at == oslo(2026, 3, 9, 9, 0)


def test_waiting_pauses_and_customer_reply_resumes(
    sla: Any, frozen: Any, contact_a: Any, product: Any, agent: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))  # Monday opening
    case = factories.make_case(contact_a, product, severity=2)  # resolution 2400 min
    frozen(oslo(2026, 3, 9, 10, 0))
    actions.do_add_message(
        actor=agent, case=case, body="Which user?", then_status=Status.WAITING_ON_CUSTOMER
    )
    resolution = _timer(case, "resolution")
    assert resolution.state == "paused"
    assert resolution.consumed_seconds == 2 * 3600
    case.refresh_from_db()
    assert case.queue_due_at == NO_DUE_TIME  # nothing running: sorts last in its class
    frozen(oslo(2026, 3, 11, 9, 0))  # two days later the customer answers
    actions.do_add_message(actor=contact_a.user, case=case, body="User X")
    resolution.refresh_from_db()
    assert resolution.state == "running"
    # 38 h of 40 h left from Wednesday 09:00: 4 days and 6 h of 8-hour days later.
    assert resolution.due_at == oslo(2026, 3, 17, 15, 0)
    nxt = _timer(case, "next_response")
    assert nxt.state == "running"
    assert nxt.due_at == oslo(2026, 3, 12, 9, 0)


def test_severity_change_keeps_consumed_time(
    sla: Any, frozen: Any, contact_a: Any, product: Any, agent: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=2)
    frozen(oslo(2026, 3, 9, 8, 20))
    actions.do_change_case_severity(actor=agent, case=case, severity=4)  # first response 30
    first = _timer(case, "first_response")
    assert first.consumed_seconds == 20 * 60
    assert first.due_at == oslo(2026, 3, 9, 8, 30)
    assert CaseEvent.objects.filter(case=case, kind="sla_recomputed").exists()


def test_exceeded_after_severity_change_breaches_exactly_once(
    sla: Any, frozen: Any, contact_a: Any, product: Any, agent: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=2)
    frozen(oslo(2026, 3, 9, 9, 0))
    actions.do_change_case_severity(actor=agent, case=case, severity=4)  # 60 > 30 min
    assert do_scan_sla(now=oslo(2026, 3, 9, 9, 0)).breached == 1
    actions.do_change_case_severity(actor=agent, case=case, severity=5)
    actions.do_change_case_severity(actor=agent, case=case, severity=4)
    assert do_scan_sla(now=oslo(2026, 3, 9, 9, 5)).breached == 0
    assert SLANotice.objects.filter(threshold="breach").count() == 1


def test_scan_warns_then_breaches_once_and_notifies_assignee(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=4)  # first response 30 min
    actions.do_assign_case(actor=agent, case=case, assignee=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert do_scan_sla(now=oslo(2026, 3, 9, 8, 23)).warned == 0
        assert do_scan_sla(now=oslo(2026, 3, 9, 8, 24)).warned == 1  # 80 % of 30 min
        assert do_scan_sla(now=oslo(2026, 3, 9, 8, 25)).warned == 0
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "warning" in mail.outbox[0].subject.lower()
    notice = mail.outbox[0].message()
    assert ids.case_id_from_message_id(notice["Message-ID"]) == case.pk  # ours, signed
    assert notice["X-Casedesk-Case"] == case.number
    with django_capture_on_commit_callbacks(execute=True):
        result = do_scan_sla(now=oslo(2026, 3, 9, 8, 31))
        again = do_scan_sla(now=oslo(2026, 3, 9, 8, 32))
    assert (result.breached, again.breached) == (1, 0)
    assert len(mail.outbox) == 2
    assert "breached" in mail.outbox[1].subject.lower()
    assert CaseEvent.objects.filter(case=case, kind="sla_breached").count() == 1


def test_unassigned_breach_goes_to_the_team(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = factories.make_agent("second@vendor.test")
    frozen(oslo(2026, 3, 9, 8, 0))
    factories.make_case(contact_a, product, severity=4)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_scan_sla(now=oslo(2026, 3, 9, 9, 0))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, other.email])


def test_close_stops_and_reopen_resumes(
    sla: Any, frozen: Any, contact_a: Any, product: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=2)
    frozen(oslo(2026, 3, 9, 9, 0))
    actions.do_change_case_status(actor=contact_a.user, case=case, status=Status.CLOSED)
    assert _timer(case, "resolution").state == "stopped"
    frozen(oslo(2026, 3, 10, 8, 0))
    actions.do_change_case_status(actor=contact_a.user, case=case, status=Status.OPEN)
    resolution = _timer(case, "resolution")
    assert resolution.state == "running"
    assert resolution.consumed_seconds == 3600
    assert resolution.due_at == oslo(2026, 3, 16, 15, 0)  # 39 h left from Tuesday 08:00
    assert _timer(case, "first_response").state == "stopped"  # a closed case is not answered


def test_calendar_change_applies_from_now_and_keeps_the_past(
    sla: Any, frozen: Any, contact_a: Any, product: Any, office: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=1)  # first response 8 h
    assert _timer(case, "first_response").due_at == oslo(2026, 3, 9, 16, 0)
    frozen(oslo(2026, 3, 9, 12, 0))
    # Closed all day, decided at noon: the 4 hours already consumed this morning stay
    # consumed (the past is not rewritten); the other 4 move to tomorrow.
    sla_actions.do_add_calendar_exception(
        calendar=office,
        date=oslo(2026, 3, 9).date(),
        name="Power cut",
    )
    first = _timer(case, "first_response")
    assert first.consumed_seconds == 4 * 3600
    assert first.due_at == oslo(2026, 3, 10, 12, 0)


def test_queue_orders_by_due_time_within_severity_class(
    sla: Any, frozen: Any, contact_a: Any, product: Any
) -> None:
    frozen(oslo(2026, 3, 9, 8, 0))
    slow = factories.make_case(contact_a, product, severity=3)  # 960 min first response
    fast = factories.make_case(contact_a, product, severity=2)  # 240 min
    from casedesk.cases.queries import QueueFilters, desk_queue

    agent = factories.make_agent()
    page = desk_queue(user=agent, filters=QueueFilters(), cursor=None)
    assert [c.pk for c in page.items] == [fast.pk, slow.pk]


def test_queue_shows_business_time_left_and_breaches_in_red(
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    agent: Any,
    client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    frozen(oslo(2026, 3, 6, 15, 0))  # Friday
    late = factories.make_case(contact_a, product, severity=4)  # 30 min first response
    ok = factories.make_case(contact_a, product, severity=2)  # 4 h: due Monday 11:00
    frozen(oslo(2026, 3, 9, 8, 0))  # Monday: `late` is past due, `ok` has 3 h left
    client.force_login(agent)
    client.get("/desk/")  # warm the calendar cache
    with django_assert_max_num_queries(12):
        body = client.get("/desk/").content.decode()
    rows = {r.split("</a>")[0][-11:]: r for r in body.split("<tr>")[1:]}
    row_late, row_ok = rows[late.number], rows[ok.number]
    assert "sla-breached" in row_late
    assert "sla-breached" not in row_ok
    assert "3h 0m" in row_ok
    detail = client.get(f"/desk/cases/{ok.number}/").content.decode()
    assert "First response" in detail
    assert "3h 0m" in detail
    # Resolution: 40 business hours less Friday's one, five working days away. In days of
    # 24 hours that would read "1d 15h", as if due on Tuesday.
    assert "39h 0m" in detail
    assert "1d 15h" not in detail


def test_policy_and_contract_changes_retarget_open_cases(
    sla: Any, frozen: Any, contact_a: Any, product: Any, office: Any, org_a: Any
) -> None:
    from casedesk.customers.models import Contract
    from casedesk.sla.models import SLAPolicy, SLATarget

    frozen(oslo(2026, 3, 9, 8, 0))
    case = factories.make_case(contact_a, product, severity=2)  # first response 4 h
    frozen(oslo(2026, 3, 9, 9, 0))
    SLATarget.objects.filter(severity=2, metric="first_response").update(minutes=120)
    assert sla_actions.do_retarget_policy_cases(policy_id=sla.pk) == 1
    assert _timer(case, "first_response").due_at == oslo(2026, 3, 9, 10, 0)
    fast = SLAPolicy.objects.create(name="Fast", calendar=office)
    SLATarget.objects.create(policy=fast, severity=2, metric="first_response", minutes=90)
    Contract.objects.filter(organization=org_a).update(sla_policy=fast)
    frozen(oslo(2026, 3, 9, 9, 30))
    sla_actions.do_retarget_contract_cases(contract_id=case.contract_id)
    first = _timer(case, "first_response")
    assert first.consumed_seconds == 90 * 60
    assert first.due_at == oslo(2026, 3, 9, 9, 30)
    assert _timer(case, "resolution").state == "stopped"  # the new policy has no such target
    assert case.events.filter(kind="sla_recomputed").count() == 2
