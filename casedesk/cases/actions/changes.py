"""Status, assignment, severity, category and meeting changes on a case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases import lifecycle, reminders, tasks
from casedesk.cases.actions.base import (
    STATUS_FIELDS,
    check_actor_on_case,
    lock_case,
    require_agent,
    set_status,
    update_case,
)
from casedesk.cases.events import record_case_event
from casedesk.cases.models import (
    CATEGORIES,
    SEVERITIES,
    Case,
    Status,
    queue_class_for,
)
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from casedesk.sla import timers
from casedesk.webhooks.actions import emit_case_changed


def do_change_case_status(
    *, actor: User, case: Case, status: str, on_behalf_of_customer: bool = False
) -> Case:
    contact = check_actor_on_case(actor, case)
    with transaction.atomic(durable=True):
        case = lock_case(case)
        if status == case.status:
            return case
        lifecycle.check_transition(
            case.status,
            status,
            is_agent=contact is None,
            on_behalf_of_customer=on_behalf_of_customer,
        )
        set_status(case, status, actor=actor, on_behalf_of_customer=on_behalf_of_customer)
        case.updated_at = clock.now()
        update_case.save(case, update_fields=STATUS_FIELDS)
        closed_it = status == Status.CLOSED
        emit_case_changed(case, closed_it=closed_it)
    return case


def _apply_assignee(case: Case, actor: User, assignee: User | None) -> bool:
    if assignee is not None and not assignee.is_agent:
        raise DomainError(_("Cases can only be assigned to agents."), code=ErrorCode.INVALID_INPUT)
    if case.assignee_id == (assignee.pk if assignee else None):
        return False
    old = case.assignee
    case.assignee = assignee
    record_case_event(
        case=case, actor=actor, kind="assigned", field="assignee", old=old, new=assignee
    )
    return True


def _apply_severity(case: Case, actor: User, severity: int) -> bool:
    if severity not in SEVERITIES:
        raise DomainError(_("Unknown severity."), code=ErrorCode.INVALID_INPUT)
    if case.severity == severity:
        return False
    old = case.severity
    case.severity = severity
    case.queue_class = queue_class_for(severity)
    retargeted = timers.retarget(case=case, at=clock.now())
    record_case_event(
        case=case, actor=actor, kind="severity_changed", field="severity", old=old, new=severity
    )
    if retargeted:
        record_case_event(
            case=case,
            actor=actor,
            kind="sla_recomputed",
            data={t.metric: t.due_at.isoformat() if t.due_at else None for t in retargeted},
        )
    return True


def _apply_category(case: Case, actor: User, category: str) -> bool:
    if category not in CATEGORIES:
        raise DomainError(_("Unknown category."), code=ErrorCode.INVALID_INPUT)
    if case.category == category:
        return False
    old = case.category
    case.category = category
    record_case_event(
        case=case, actor=actor, kind="category_changed", field="category", old=old, new=category
    )
    return True


UPDATABLE_FIELDS = ["assignee", "severity", "queue_class", "category", *STATUS_FIELDS]


def do_update_case(
    *,
    actor: User,
    case: Case,
    assignee: User | None,
    severity: int,
    category: str,
    status: str,
    on_behalf_of_customer: bool = False,
) -> Case:
    """The desk's case form: all changes or none."""
    require_agent(actor)
    with transaction.atomic(durable=True):
        case = lock_case(case)
        changed = _apply_assignee(case, actor, assignee)
        changed |= _apply_severity(case, actor, severity)
        changed |= _apply_category(case, actor, category)
        closed_it = status == Status.CLOSED and case.status != Status.CLOSED
        if status != case.status:
            lifecycle.check_transition(
                case.status, status, is_agent=True, on_behalf_of_customer=on_behalf_of_customer
            )
            set_status(case, status, actor=actor, on_behalf_of_customer=on_behalf_of_customer)
            changed = True
        if changed:
            case.updated_at = clock.now()
            case.save(update_fields=UPDATABLE_FIELDS)
            emit_case_changed(case, closed_it=closed_it)
    return case


def do_assign_case(*, actor: User, case: Case, assignee: User | None) -> Case:
    require_agent(actor)
    with transaction.atomic(durable=True):
        case = lock_case(case)
        if _apply_assignee(case, actor, assignee):
            case.updated_at = clock.now()
            case.save(update_fields=["assignee", "updated_at"])
            emit_case_changed(case, closed_it=False)
    return case


def do_change_case_severity(*, actor: User, case: Case, severity: int) -> Case:
    require_agent(actor)
    with transaction.atomic(durable=True):
        case = lock_case(case)
        if _apply_severity(case, actor, severity):
            case.updated_at = clock.now()
            case.save(update_fields=["severity", "queue_class", "queue_due_at", "updated_at"])
            emit_case_changed(case, closed_it=False)
    return case


def do_change_case_category(*, actor: User, case: Case, category: str) -> Case:
    require_agent(actor)
    with transaction.atomic(durable=True):
        case = lock_case(case)
        if _apply_category(case, actor, category):
            case.updated_at = clock.now()
            case.save(update_fields=["category", "updated_at"])
            emit_case_changed(case, closed_it=False)
    return case


def do_close_case_automatically(*, case_id: int, reason: str, now: datetime) -> bool:
    """Close a case whose reminders ran out, when the vendor closes such cases automatically
    (seed 004 lets the customer close; this is the vendor's opt-in exception). False if the
    case is no longer due by ``now``, so the reminder job may run twice or concurrently."""
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or not reminders.is_due_for_auto_close(case, now=now):
            return False
        set_status(case, Status.CLOSED, actor=None, reason=reason)
        case.updated_at = clock.now()
        update_case.save(case, update_fields=STATUS_FIELDS)
        transaction.on_commit(lambda: tasks.send_auto_closed_notice(case_id))
        emit_case_changed(case, closed_it=True)
    return True


def do_change_case_status_by_link(*, case_id: int, contact_id: int, status: str) -> Case:
    """The requester's one-click answer from a reminder e-mail (a signed link, no login):
    close the case, or reopen it because it is still a problem."""
    if status not in lifecycle.CUSTOMER_TARGETS:
        raise PermissionDenied(_("Only the support team can set this status."))
    with transaction.atomic(durable=True):
        case = (
            Case.objects.select_for_update(of=("self",))
            .filter(pk=case_id, requester_id=contact_id, requester__is_active=True)
            .first()
        )
        if case is None:
            raise NotFound(_("This link is not valid."))
        if case.status == Status.CLOSED:
            raise DomainError(
                _("Case %(number)s is already closed.") % {"number": case.number},
                code=ErrorCode.CONFLICT,
            )
        if case.status == status:
            return case  # e.g. already back with the agents: nothing new to record
        lifecycle.check_transition(case.status, status, is_agent=False, on_behalf_of_customer=False)
        # The requester acts; without a login of their own the audit shows no user.
        actor = User.objects.filter(contact__pk=contact_id).first()
        set_status(case, status, actor=actor, reason="reminder_link")
        if status == Status.OPEN:
            record_case_event(
                case=case, actor=actor, kind="still_a_problem", data={"via": "reminder_link"}
            )
        case.updated_at = clock.now()
        update_case.save(case, update_fields=STATUS_FIELDS)
        closed_it = status == Status.CLOSED
        emit_case_changed(case, closed_it=closed_it)
    return case


def do_schedule_meeting(
    *, actor: User, case: Case, starts_at: datetime, minutes: int, location: str
) -> Case:
    """Book the phone/video meeting the customer asked for; meets the meeting target."""
    require_agent(actor)
    if not 5 <= minutes <= 480:
        raise DomainError(
            _("A meeting lasts between 5 minutes and 8 hours."), code=ErrorCode.INVALID_INPUT
        )
    with transaction.atomic(durable=True):
        case = lock_case(case)
        if case.status == Status.CLOSED:
            raise DomainError(_("The case is closed."), code=ErrorCode.CONFLICT)
        now = clock.now()
        if starts_at < now:
            raise DomainError(_("The meeting must be in the future."), code=ErrorCode.INVALID_INPUT)
        old = case.meeting_at
        case.meeting_at, case.meeting_minutes = starts_at, minutes
        case.meeting_location = location.strip()[:250]
        timers.on_meeting_scheduled(case=case, at=now)
        case.updated_at = now
        case.save(
            update_fields=[
                "meeting_at",
                "meeting_minutes",
                "meeting_location",
                "queue_due_at",
                "updated_at",
            ]
        )
        record_case_event(
            case=case,
            actor=actor,
            kind="meeting_scheduled",
            field="meeting",
            old=old.isoformat() if old else "",
            new=starts_at.isoformat(),
        )
        transaction.on_commit(lambda: tasks.send_meeting_invite(case.pk))
    return case
