"""Case actions write their events with the change, delivered after commit; the desk shows
the delivery log."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Status
from casedesk.webhooks.models import Delivery, Endpoint
from tests import factories
from tests.webhooks.conftest import Receiver


def _events(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests]


def test_case_lifecycle_emits_events(
    receiver: Receiver,
    endpoint: Endpoint,
    contact_a: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.make_case(contact_a, product)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(actor=agent, case=case, body="We are on it")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_assign_case(actor=agent, case=case, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_change_case_status(actor=contact_a.user, case=case, status=Status.CLOSED)
    events = _events(receiver)
    assert [e["event"] for e in events] == [
        "case.created",
        "message.created",
        "case.updated",  # the first reply opened it
        "case.updated",
        "case.closed",
    ]
    assert events[0]["data"]["case"]["number"] == case.number
    assert events[1]["data"]["message"]["body"] == "We are on it"
    assert events[2]["data"]["case"]["status"] == "open"
    assert events[3]["data"]["case"]["assignee"]["id"] == agent.pk
    assert events[4]["data"]["case"]["status"] == "closed"


def test_status_changes_that_come_with_a_reply_or_an_edit_are_told_once(
    receiver: Receiver,
    endpoint: Endpoint,
    case_a: Any,
    contact_a: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def told(change: Any) -> list[tuple[str, str]]:
        receiver.requests.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return [(e["event"], e["data"]["case"]["status"]) for e in _events(receiver)]

    assert told(
        lambda: actions.do_add_message(
            actor=agent, case=case_a, body="Try this", then_status=Status.WAITING_ON_CUSTOMER
        )
    ) == [("message.created", "waiting_on_customer"), ("case.updated", "waiting_on_customer")]
    # The customer's answer puts it back with the agents.
    assert told(lambda: actions.do_add_message(actor=contact_a.user, case=case_a, body="No")) == [
        ("message.created", "open"),
        ("case.updated", "open"),
    ]
    assert told(
        lambda: actions.do_change_case_status(actor=contact_a.user, case=case_a, status="closed")
    ) == [("case.closed", "closed")]
    # Editing a closed case is an update, not a second closing.
    assert told(
        lambda: actions.do_change_case_category(actor=agent, case=case_a, category="question")
    ) == [("case.updated", "closed")]


def test_nothing_is_built_or_logged_without_endpoints(
    contact_a: Any, product: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_case(contact_a, product)
    assert not Delivery.objects.exists()


def test_rolled_back_change_emits_nothing(
    receiver: Receiver, endpoint: Endpoint, case_a: Any, agent: Any
) -> None:
    # The change fails inside its transaction: no event for something that did not happen.
    import pytest

    from casedesk.core.errors import PermissionDenied

    before = list(Delivery.objects.values_list("event", flat=True))
    with pytest.raises(PermissionDenied):
        actions.do_change_case_status(actor=agent, case=case_a, status=Status.CLOSED)
    assert list(Delivery.objects.values_list("event", flat=True)) == before


def test_desk_delivery_log_and_redeliver(
    receiver: Receiver,
    endpoint: Endpoint,
    case_a: Any,
    agent: Any,
    contact_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_assign_case(actor=agent, case=case_a, assignee=agent)
    delivery = Delivery.objects.get(event="case.updated")
    assert delivery.status == Delivery.Status.RETRYING
    desk = Client()
    desk.force_login(agent)
    page = desk.get(reverse("desk:webhooks")).content.decode()
    assert endpoint.url in page
    assert "HTTP 500" in page
    for junk in ("²", "9" * 30):
        filtered = desk.get(reverse("desk:webhooks"), {"endpoint": junk})
        assert filtered.status_code == 200
    detail = desk.get(reverse("desk:webhook_delivery", args=[delivery.pk])).content.decode()
    assert case_a.number in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(reverse("desk:webhook_redeliver", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2
    filtered = desk.get(reverse("desk:webhooks"), {"status": "failed"}).content.decode()
    assert "Nothing has been sent yet." in filtered
    # Contacts never see the log.
    portal = Client()
    portal.force_login(contact_a.user)
    assert portal.get(reverse("desk:webhooks")).status_code == 403
    assert portal.get(reverse("desk:webhook_delivery", args=[delivery.pk])).status_code == 403


def test_sla_events_carry_the_clock(
    receiver: Receiver,
    endpoint: Endpoint,
    sla: Any,
    case_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casedesk.webhooks.actions import emit_sla_event

    timer = case_a.sla_timers.get(metric="first_response")
    with django_capture_on_commit_callbacks(execute=True):
        emit_sla_event("sla.breached", timer)
    [event] = _events(receiver)
    assert event["event"] == "sla.breached"
    assert event["data"]["sla"]["metric"] == "first_response"
    assert event["data"]["case"]["number"] == case_a.number
    # Times in the one form the API uses: UTC, microseconds, "Z".
    utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
    assert utc.fullmatch(event["data"]["sla"]["due_at"]), event["data"]["sla"]
    assert utc.fullmatch(event["data"]["case"]["created_at"]), event["data"]["case"]
    assert utc.fullmatch(event["created_at"]), event
    # The same representation as the clock in the case's own `sla` list, plus its cycle.
    [listed] = [t for t in event["data"]["case"]["sla"] if t["metric"] == "first_response"]
    assert event["data"]["sla"] == {**listed, "cycle": timer.cycle}


def test_sla_events_say_which_channels_target_the_clock_follows(
    receiver: Receiver,
    endpoint: Endpoint,
    sla: Any,
    policy: Any,
    contact_a: Any,
    product: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casedesk.sla.models import SLATarget
    from casedesk.webhooks.actions import emit_sla_event

    SLATarget.objects.create(
        policy=policy, severity=2, metric="first_response", channel="email", minutes=8 * 60
    )
    by_email = factories.make_case(contact_a, product, severity=2, channel="email")
    receiver.requests.clear()
    timers = {t.metric: t for t in by_email.sla_timers.all()}
    with django_capture_on_commit_callbacks(execute=True):
        emit_sla_event("sla.warning", timers["first_response"])
        emit_sla_event("sla.warning", timers["resolution"])
    sent = {e["data"]["sla"]["metric"]: e["data"]["sla"] for e in _events(receiver)}
    assert sent["first_response"]["target_channel"] == "email"
    assert sent["resolution"]["target_channel"] is None


def test_sla_scan_sends_warning_and_breach_once(
    receiver: Receiver,
    endpoint: Endpoint,
    sla: Any,
    frozen: Any,
    contact_a: Any,
    product: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casedesk.sla.scan import do_scan_sla
    from tests.factories import oslo

    frozen(oslo(2026, 3, 9, 8, 0))
    factories.make_case(contact_a, product, severity=4)  # first response in 30 minutes
    with django_capture_on_commit_callbacks(execute=True):
        do_scan_sla(now=oslo(2026, 3, 9, 8, 25))
        do_scan_sla(now=oslo(2026, 3, 9, 8, 31))
        do_scan_sla(now=oslo(2026, 3, 9, 8, 40))
    sla_events = [e for e in _events(receiver) if e["event"].startswith("sla.")]
    assert [e["event"] for e in sla_events] == ["sla.warning", "sla.breached"]
    # Each event's case shows its clocks as the scan left them: breached with the breach.
    breach = sla_events[1]["data"]
    [clock] = [t for t in breach["case"]["sla"] if t["metric"] == breach["sla"]["metric"]]
    assert clock["breached"] is True
    assert breach["sla"]["breached"] is True


def test_an_event_commits_with_its_change_and_the_sweep_sends_it_if_the_process_stopped(
    receiver: Receiver,
    endpoint: Endpoint,
    case_a: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casedesk.webhooks.actions import do_send_due_deliveries

    # The hooks after commit never run, as when the process stops right after the commit.
    with django_capture_on_commit_callbacks(execute=False):
        actions.do_assign_case(actor=agent, case=case_a, assignee=agent)
    delivery = Delivery.objects.get(event="case.updated")
    assert delivery.payload["data"]["case"]["assignee"]["id"] == agent.pk
    assert receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        do_send_due_deliveries()
    updated = [e for e in _events(receiver) if e["event"] == "case.updated"]
    assert [e["id"] for e in updated] == [str(delivery.event_id)]


def test_an_endpoint_deleted_behind_the_cache_costs_the_change_nothing(
    receiver: Receiver, endpoint: Endpoint, case_a: Any, agent: Any
) -> None:
    from django.db import connection

    from casedesk.webhooks.actions import active_endpoints

    gone = Endpoint.objects.create(url=f"{receiver.url}/gone", allow_private=True)
    assert gone in active_endpoints()  # cached
    with connection.cursor() as cursor:  # no signal: the cached list still names it
        cursor.execute("DELETE FROM webhooks_endpoint WHERE id = %s", [gone.pk])
    assert gone in active_endpoints()
    actions.do_assign_case(actor=agent, case=case_a, assignee=agent)
    case_a.refresh_from_db()
    assert case_a.assignee_id == agent.pk
    assert list(
        Delivery.objects.filter(event="case.updated").values_list("endpoint", flat=True)
    ) == [endpoint.pk]
