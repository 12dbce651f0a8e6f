from __future__ import annotations

from typing import Any

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Message, Status
from casedesk.core.errors import (
    DomainError,
    ErrorCode,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)


def _events(case: Case, kind: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("id"))


def test_created_case_is_new_with_first_message_and_audit(case_a: Case) -> None:
    assert case_a.status == Status.NEW
    assert case_a.messages.count() == 1
    created = _events(case_a, "created")
    assert len(created) == 1
    assert created[0].new_value == case_a.number


def test_agent_reply_opens_a_new_case(case_a: Case, agent: Any) -> None:
    actions.do_add_message(actor=agent, case=case_a, body="Looking at it")
    case_a.refresh_from_db()
    assert case_a.status == Status.OPEN
    [event] = _events(case_a, "status_changed")
    assert (event.old_value, event.new_value, event.actor) == ("new", "open", agent)


@pytest.mark.parametrize(
    "waiting", [Status.WAITING_ON_CUSTOMER, Status.SOLUTION_PROPOSED, Status.CLOSED]
)
def test_customer_reply_reopens(case_a: Case, agent: Any, contact_a: Any, waiting: str) -> None:
    if waiting == Status.CLOSED:
        actions.do_change_case_status(actor=contact_a.user, case=case_a, status=waiting)
    else:
        actions.do_add_message(actor=agent, case=case_a, body="Try this", then_status=waiting)
    actions.do_add_message(actor=contact_a.user, case=case_a, body="Still broken")
    case_a.refresh_from_db()
    assert case_a.status == Status.OPEN
    assert case_a.closed_at is None
    assert _events(case_a, "status_changed")[-1].data == {"reason": "customer_reply"}


def test_only_customer_closes(case_a: Case, agent: Any, contact_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_change_case_status(actor=agent, case=case_a, status=Status.CLOSED)
    case_a.refresh_from_db()
    assert case_a.status == Status.NEW
    actions.do_change_case_status(actor=contact_a.user, case=case_a, status=Status.CLOSED)
    case_a.refresh_from_db()
    assert case_a.status == Status.CLOSED
    assert case_a.closed_at is not None


def test_agent_closes_on_explicit_behalf_recorded(case_a: Case, agent: Any) -> None:
    actions.do_change_case_status(
        actor=agent, case=case_a, status=Status.CLOSED, on_behalf_of_customer=True
    )
    [event] = _events(case_a, "status_changed")
    assert event.on_behalf_of_customer
    assert event.actor == agent


def test_invalid_transition_is_a_clear_error_and_changes_nothing(
    case_a: Case, agent: Any, contact_a: Any
) -> None:
    actions.do_change_case_status(actor=contact_a.user, case=case_a, status=Status.CLOSED)
    before = CaseEvent.objects.count()
    with pytest.raises(InvalidTransition) as info:
        actions.do_change_case_status(actor=agent, case=case_a, status=Status.ON_HOLD)
    assert info.value.code == ErrorCode.INVALID_TRANSITION
    assert info.value.http_status == 409
    assert "Closed" in info.value.message
    case_a.refresh_from_db()
    assert case_a.status == Status.CLOSED
    assert CaseEvent.objects.count() == before


def test_customer_cannot_set_agent_statuses(case_a: Case, contact_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_change_case_status(
            actor=contact_a.user, case=case_a, status=Status.WAITING_ON_CUSTOMER
        )


def test_customer_cannot_write_internal_notes(case_a: Case, contact_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_add_message(actor=contact_a.user, case=case_a, body="x", kind=Message.Kind.NOTE)


def test_other_organization_gets_not_found(case_a: Case, contact_b: Any) -> None:
    with pytest.raises(NotFound):
        actions.do_add_message(actor=contact_b.user, case=case_a, body="hi")
    with pytest.raises(NotFound):
        actions.do_change_case_status(actor=contact_b.user, case=case_a, status=Status.CLOSED)


def test_update_case_is_all_or_nothing(case_a: Case, agent: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_update_case(
            actor=agent,
            case=case_a,
            assignee=agent,
            severity=4,
            category="change",
            status=Status.CLOSED,
        )
    case_a.refresh_from_db()
    assert (case_a.assignee_id, case_a.severity, case_a.category) == (None, 2, "problem")
    actions.do_update_case(
        actor=agent,
        case=case_a,
        assignee=agent,
        severity=4,
        category="change",
        status=Status.ON_HOLD,
    )
    case_a.refresh_from_db()
    assert (case_a.assignee, case_a.severity, case_a.queue_class, case_a.status) == (
        agent,
        4,
        0,
        Status.ON_HOLD,
    )
    kinds = {e.kind for e in CaseEvent.objects.filter(case=case_a)}
    assert {"assigned", "severity_changed", "category_changed", "status_changed"} <= kinds


@pytest.mark.django_db
def test_unknown_category_or_severity_is_refused_by_every_action(
    case_a: Case, agent: Any, contact_a: Any, product: Any
) -> None:
    for category, severity in (("nonsense", 2), ("problem", 9), ("problem", 0)):
        with pytest.raises(DomainError) as refused:
            actions.do_create_case(
                actor=contact_a.user,
                requester=contact_a,
                product=product,
                subject="Printing fails",
                description="Nothing comes out.",
                category=category,
                severity=severity,
            )
        assert refused.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError, match="Unknown severity"):
        actions.do_change_case_severity(actor=agent, case=case_a, severity=7)
    with pytest.raises(DomainError, match="Unknown category"):
        actions.do_change_case_category(actor=agent, case=case_a, category="nonsense")
    assert Case.objects.count() == 1
    assert Case.objects.get().severity == case_a.severity
