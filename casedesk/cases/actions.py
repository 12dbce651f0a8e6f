"""Every write to a case. One transaction each; mail and jobs only after commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases import lifecycle, reminders, tasks
from casedesk.cases.attachments import Upload, delete_stored, store_upload, validate_upload
from casedesk.cases.events import record_case_event
from casedesk.cases.intake import clean_intake_data
from casedesk.cases.models import (
    Attachment,
    Case,
    Category,
    Channel,
    HeldRequest,
    Message,
    Severity,
    Status,
    queue_class_for,
)
from casedesk.cases.numbering import allocate_case_number
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from casedesk.customers.access import contact_for_user
from casedesk.customers.entitlement import IntakeDecision, Outcome, decide_intake
from casedesk.customers.models import Contact, ContactRole, Organization, Product, Site
from casedesk.sla import timers

# A customer writing on a case that waits for them, or that they thought was solved,
# puts it back in the agents' hands.
REOPENED_BY_CUSTOMER_REPLY = frozenset(
    {Status.WAITING_ON_CUSTOMER, Status.SOLUTION_PROPOSED, Status.CLOSED, Status.ON_HOLD}
)

# Fields a status change may touch: its own, the customer's rank (reopened cases go last),
# SLA due time and reminders.
STATUS_FIELDS = [
    "status",
    "closed_at",
    "rank",
    "updated_at",
    "queue_due_at",
    "next_reminder_at",
    "reminder_count",
]


def _check_actor_on_case(actor: User, case: Case) -> Contact | None:
    """Return the acting contact (None for agents); outsiders get 'not found'."""
    if actor.is_agent:
        return None
    contact = contact_for_user(actor)
    if contact is None or contact.organization_id != case.organization_id:
        raise NotFound(_("Case %(number)s was not found.") % {"number": case.number})
    return contact


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _validate_uploads(uploads: Sequence[Upload]) -> list[tuple[Upload, str, str]]:
    return [(u, *validate_upload(u)) for u in uploads]


def _attach(
    *,
    case: Case,
    message: Message,
    actor: User | None,
    checked: list[tuple[Upload, str, str]],
    stored: list[str],
) -> None:
    for upload, name, content_type in checked:
        path = store_upload(upload)
        stored.append(path)
        Attachment.objects.create(
            case=case,
            message=message,
            file=path,
            filename=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
            created_at=message.created_at,
        )
        record_case_event(case=case, actor=actor, kind="attachment_added", new=name)


def _next_rank(organization_id: int) -> int:
    top = (
        Case.objects.filter(organization_id=organization_id)
        .exclude(status=Status.CLOSED)
        .aggregate(m=Max("rank"))["m"]
    )
    return (top or 0) + 1


class IntakeRefused(DomainError):
    """The request was not opened as a case; `decision` says why, politely."""

    code = ErrorCode.INTAKE_REFUSED

    def __init__(self, decision: IntakeDecision) -> None:
        super().__init__(decision.message, details={"reason": str(decision.reason or "")})
        self.decision = decision


def do_create_case(
    *,
    actor: User | None,
    requester: Contact,
    product: Product,
    subject: str,
    description: str,
    category: str,
    severity: int,
    channel: str = Channel.PORTAL,
    intake_data: Mapping[str, str] | None = None,
    uploads: Sequence[Upload] = (),
    site: Site | None = None,
    meeting_requested: bool = False,
) -> Case:
    """Open a case for an entitled requester; anything else raises IntakeRefused.

    `actor` is None when the system acts for the requester (e.g. inbound e-mail).
    """
    return _create_case(
        actor=actor,
        requester=requester,
        product=product,
        subject=subject,
        description=description,
        category=category,
        severity=severity,
        channel=channel,
        intake_data=intake_data,
        uploads=uploads,
        site=site,
        meeting_requested=meeting_requested,
    )


def _create_case(
    *,
    actor: User | None,
    requester: Contact,
    product: Product,
    subject: str,
    description: str,
    category: str,
    severity: int,
    channel: str,
    intake_data: Mapping[str, str] | None,
    uploads: Sequence[Upload],
    site: Site | None,
    meeting_requested: bool = False,
    approved_by: Contact | None = None,
    in_transaction: Callable[[Case], None] | None = None,
) -> Case:
    if (
        approved_by is None
        and actor is not None
        and not actor.is_agent
        and contact_for_user(actor) != requester
    ):
        raise PermissionDenied(_("You can only open cases in your own name."))
    subject, description = subject.strip(), description.strip()
    if not subject or not description:
        raise DomainError(
            _("Please give the case a subject and a description."),
            code=ErrorCode.INVALID_INPUT,
        )
    if category not in Category.values or severity not in Severity.values:
        raise DomainError(_("Unknown category or severity."), code=ErrorCode.INVALID_INPUT)
    if site is not None and site.organization_id != requester.organization_id:
        raise DomainError(_("Unknown site."), code=ErrorCode.INVALID_INPUT)
    now = clock.now()
    decision = decide_intake(
        contact=requester,
        product=product,
        severity=severity,
        channel=channel,
        at=now,
        approved=approved_by is not None,
    )
    if decision.outcome != Outcome.ACCEPT:
        raise IntakeRefused(decision)
    cleaned = clean_intake_data(product, intake_data or {}, attachment_count=len(uploads))
    checked = _validate_uploads(uploads)
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            case = Case.objects.create(
                number=allocate_case_number(now),
                organization_id=requester.organization_id,
                product=product,
                site=site,
                requester=requester,
                subject=subject[:250],
                category=category,
                severity=severity,
                queue_class=queue_class_for(severity),
                rank=_next_rank(requester.organization_id),
                intake_data=cleaned,
                channel=channel,
                contract=decision.contract,
                accepted_for=decision.accepted_for,
                meeting_requested=meeting_requested,
                created_at=now,
                updated_at=now,
            )
            message = Message.objects.create(
                case=case,
                author=actor,
                author_contact=requester,
                kind=Message.Kind.REPLY,
                channel=channel,
                body=description,
                created_at=now,
            )
            record_case_event(
                case=case,
                actor=actor,
                kind="created",
                new=case.number,
                data={
                    "channel": channel,
                    "severity": severity,
                    "category": category,
                    "intake": str(decision.reason or ""),
                    "approved_by": approved_by.pk if approved_by else None,
                },
            )
            _attach(case=case, message=message, actor=actor, checked=checked, stored=stored)
            timers.start_case_clocks(case=case, at=now)
            case.save(update_fields=["queue_due_at"])
            if in_transaction is not None:
                in_transaction(case)
            transaction.on_commit(lambda: tasks.send_case_acknowledgement(case.pk))
    except BaseException:
        delete_stored(stored)
        raise
    return case


def do_add_message(
    *,
    actor: User | None,
    case: Case,
    body: str,
    kind: str = Message.Kind.REPLY,
    channel: str = Channel.PORTAL,
    uploads: Sequence[Upload] = (),
    then_status: str | None = None,
    sender: Contact | None = None,
) -> Message:
    """Add a reply or note; an agent may set the next status in the same step.

    Channels that identify a customer without a login (e-mail) pass `actor=None` and the
    verified `sender` contact.
    """
    if actor is None:
        if sender is None or sender.organization_id != case.organization_id:
            raise NotFound(_("Case %(number)s was not found.") % {"number": case.number})
        contact: Contact | None = sender
    else:
        contact = _check_actor_on_case(actor, case)
    if contact is not None and then_status:
        raise PermissionDenied(_("Only the support team can set this status."))
    if contact is not None and kind != Message.Kind.REPLY:
        raise PermissionDenied(_("Only the support team can write internal notes."))
    body = body.strip()
    if not body and not uploads:
        raise DomainError(_("The message is empty."), code=ErrorCode.INVALID_INPUT)
    checked = _validate_uploads(uploads)
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            case = _lock(case)
            now = clock.now()
            message = Message.objects.create(
                case=case,
                author=actor,
                author_contact=contact,
                kind=kind,
                channel=channel,
                body=body,
                created_at=now,
            )
            record_case_event(
                case=case,
                actor=actor,
                kind="note_added" if kind == "note" else "reply_added",
                data={"message": message.pk, "channel": channel},
            )
            _attach(case=case, message=message, actor=actor, checked=checked, stored=stored)
            if contact is not None and case.status in REOPENED_BY_CUSTOMER_REPLY:
                _set_status(case, Status.OPEN, actor=actor, reason="customer_reply")
            elif contact is None and kind == Message.Kind.REPLY and case.status == Status.NEW:
                _set_status(case, Status.OPEN, actor=actor, reason="agent_reply")
            if then_status and then_status != case.status:
                lifecycle.check_transition(
                    case.status, then_status, is_agent=True, on_behalf_of_customer=False
                )
                _set_status(case, then_status, actor=actor)
            if contact is not None:
                timers.on_customer_message(case=case, at=now)
            elif kind == Message.Kind.REPLY:
                timers.on_agent_reply(case=case, at=now)
            case.updated_at = now
            case.save(update_fields=STATUS_FIELDS)
            if kind == Message.Kind.REPLY and contact is None:
                transaction.on_commit(lambda: tasks.send_reply_notification(message.pk))
    except BaseException:
        delete_stored(stored)
        raise
    return message


def _set_status(
    case: Case,
    status: str,
    *,
    actor: User | None,
    on_behalf_of_customer: bool = False,
    reason: str = "",
) -> None:
    old = case.status
    now = clock.now()
    if old == Status.CLOSED:
        case.closed_at = None
        case.rank = _next_rank(case.organization_id)
    case.status = status
    if status == Status.CLOSED:
        case.closed_at = now
    timers.on_status_changed(case=case, old=old, new=status, at=now)
    reminders.on_status_changed(case=case, old=old, new=status, at=now)
    record_case_event(
        case=case,
        actor=actor,
        kind="status_changed",
        field="status",
        old=old,
        new=status,
        on_behalf_of_customer=on_behalf_of_customer,
        data={"reason": reason} if reason else None,
    )


def do_change_case_status(
    *, actor: User, case: Case, status: str, on_behalf_of_customer: bool = False
) -> Case:
    contact = _check_actor_on_case(actor, case)
    with transaction.atomic(durable=True):
        case = _lock(case)
        if status == case.status:
            return case
        lifecycle.check_transition(
            case.status,
            status,
            is_agent=contact is None,
            on_behalf_of_customer=on_behalf_of_customer,
        )
        _set_status(case, status, actor=actor, on_behalf_of_customer=on_behalf_of_customer)
        case.updated_at = clock.now()
        case.save(update_fields=STATUS_FIELDS)
    return case


def _require_agent(actor: User) -> None:
    if not actor.is_agent:
        raise PermissionDenied(_("Only the support team can change this."))


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
    if severity not in Severity.values:
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
    if category not in Category.values:
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
    _require_agent(actor)
    with transaction.atomic(durable=True):
        case = _lock(case)
        changed = _apply_assignee(case, actor, assignee)
        changed |= _apply_severity(case, actor, severity)
        changed |= _apply_category(case, actor, category)
        if status != case.status:
            lifecycle.check_transition(
                case.status, status, is_agent=True, on_behalf_of_customer=on_behalf_of_customer
            )
            _set_status(case, status, actor=actor, on_behalf_of_customer=on_behalf_of_customer)
            changed = True
        if changed:
            case.updated_at = clock.now()
            case.save(update_fields=UPDATABLE_FIELDS)
    return case


def do_assign_case(*, actor: User, case: Case, assignee: User | None) -> Case:
    _require_agent(actor)
    with transaction.atomic(durable=True):
        case = _lock(case)
        if _apply_assignee(case, actor, assignee):
            case.updated_at = clock.now()
            case.save(update_fields=["assignee", "updated_at"])
    return case


def do_change_case_severity(*, actor: User, case: Case, severity: int) -> Case:
    _require_agent(actor)
    with transaction.atomic(durable=True):
        case = _lock(case)
        if _apply_severity(case, actor, severity):
            case.updated_at = clock.now()
            case.save(update_fields=["severity", "queue_class", "queue_due_at", "updated_at"])
    return case


def do_change_case_category(*, actor: User, case: Case, category: str) -> Case:
    _require_agent(actor)
    with transaction.atomic(durable=True):
        case = _lock(case)
        if _apply_category(case, actor, category):
            case.updated_at = clock.now()
            case.save(update_fields=["category", "updated_at"])
    return case


def _apply_order(actor: User, ordered: list[Case]) -> None:
    for position, case in enumerate(ordered, start=1):
        if case.rank != position:
            record_case_event(
                case=case,
                actor=actor,
                kind="rank_changed",
                field="rank",
                old=case.rank,
                new=position,
            )
            case.rank = position
            case.save(update_fields=["rank"])


def _open_cases_locked(organization_id: int) -> list[Case]:
    return list(
        Case.objects.select_for_update()
        .filter(organization_id=organization_id)
        .exclude(status=Status.CLOSED)
        .order_by("rank", "id")
    )


def do_move_case_rank(*, actor: User, case: Case, direction: Literal["up", "down"]) -> None:
    """Swap a case with its neighbour in the organization's own priority order."""
    _check_actor_on_case(actor, case)
    with transaction.atomic(durable=True):
        ordered = _open_cases_locked(case.organization_id)
        index = next((i for i, c in enumerate(ordered) if c.pk == case.pk), None)
        if index is None:
            raise DomainError(_("Closed cases have no rank."), code=ErrorCode.CONFLICT)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        _apply_order(actor, ordered)


def do_set_case_order(*, actor: User, organization: Organization, numbers: Sequence[str]) -> None:
    """Put the organization's open cases in the given order (drag and drop)."""
    contact = contact_for_user(actor)
    if not actor.is_agent and (contact is None or contact.organization_id != organization.pk):
        raise NotFound(_("Not found."))
    with transaction.atomic(durable=True):
        ordered = _open_cases_locked(organization.pk)
        by_number = {c.number: c for c in ordered}
        if len(set(numbers)) != len(numbers) or set(numbers) != set(by_number):
            raise DomainError(
                _("The list of cases has changed; please reload and try again."),
                code=ErrorCode.CONFLICT,
            )
        _apply_order(actor, [by_number[n] for n in numbers])


def do_submit_request(
    *,
    actor: User | None,
    requester: Contact,
    product: Product,
    subject: str,
    description: str,
    category: str,
    severity: int,
    channel: str = Channel.PORTAL,
    intake_data: Mapping[str, str] | None = None,
    uploads: Sequence[Upload] = (),
    site: Site | None = None,
    meeting_requested: bool = False,
) -> Case | HeldRequest:
    """Every channel's way in: a case, a request held for approval, or IntakeRefused."""
    try:
        return do_create_case(
            actor=actor,
            requester=requester,
            product=product,
            subject=subject,
            description=description,
            category=category,
            severity=severity,
            channel=channel,
            intake_data=intake_data,
            uploads=uploads,
            site=site,
            meeting_requested=meeting_requested,
        )
    except IntakeRefused as refused:
        if refused.decision.outcome != Outcome.HOLD:
            raise
    cleaned = clean_intake_data(product, intake_data or {}, attachment_count=len(uploads))
    with transaction.atomic(durable=True):
        held = HeldRequest.objects.create(
            organization_id=requester.organization_id,
            requester=requester,
            product=product,
            subject=subject.strip()[:250],
            description=description.strip(),
            category=category,
            severity=severity,
            channel=channel,
            intake_data=cleaned,
            created_at=clock.now(),
        )
        transaction.on_commit(lambda: tasks.send_held_request_notice(held.pk))
    return held


def _check_reference_person(actor: User, held: HeldRequest) -> Contact:
    contact = contact_for_user(actor)
    if contact is None or contact.organization_id != held.organization_id:
        raise NotFound(_("The request was not found."))
    if not contact.roles.filter(
        role__in=[ContactRole.Role.REFERENCE, ContactRole.Role.GENERAL]
    ).exists():
        raise PermissionDenied(_("Only your organization's reference persons decide on this."))
    if held.state != HeldRequest.State.PENDING:
        raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
    return contact


def do_approve_held_request(*, actor: User, held: HeldRequest) -> Case:
    """A reference person vouches for a colleague's request: it becomes a case."""
    approver = _check_reference_person(actor, held)

    def mark_approved(case: Case) -> None:
        # Same transaction as the case: two approvals racing cannot make two cases.
        locked = HeldRequest.objects.select_for_update().get(pk=held.pk)
        if locked.state != HeldRequest.State.PENDING:
            raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
        locked.state = HeldRequest.State.APPROVED
        locked.decided_by, locked.decided_at, locked.case = approver, clock.now(), case
        locked.save(update_fields=["state", "decided_by", "decided_at", "case"])

    return _create_case(
        actor=actor,
        requester=held.requester,
        product=held.product,
        subject=held.subject,
        description=held.description,
        category=held.category,
        severity=held.severity,
        channel=held.channel,
        intake_data=held.intake_data,
        uploads=(),
        site=None,
        approved_by=approver,
        in_transaction=mark_approved,
    )


def do_reject_held_request(*, actor: User, held: HeldRequest) -> HeldRequest:
    approver = _check_reference_person(actor, held)
    with transaction.atomic(durable=True):
        locked = HeldRequest.objects.select_for_update().get(pk=held.pk)
        if locked.state != HeldRequest.State.PENDING:
            raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
        locked.state = HeldRequest.State.REJECTED
        locked.decided_by, locked.decided_at = approver, clock.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        transaction.on_commit(lambda: tasks.send_held_request_rejected(locked.pk))
    return locked


def do_close_case_automatically(*, case_id: int, reason: str, now: datetime) -> bool:
    """Close a case whose reminders ran out, when the vendor closes such cases automatically
    (seed 004 lets the customer close; this is the vendor's opt-in exception). False if the
    case is no longer due by ``now``, so the reminder job may run twice or concurrently."""
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or not reminders.is_due_for_auto_close(case, now=now):
            return False
        _set_status(case, Status.CLOSED, actor=None, reason=reason)
        case.updated_at = clock.now()
        case.save(update_fields=STATUS_FIELDS)
        transaction.on_commit(lambda: tasks.send_auto_closed_notice(case_id))
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
        _set_status(case, status, actor=actor, reason="reminder_link")
        if status == Status.OPEN:
            record_case_event(
                case=case, actor=actor, kind="still_a_problem", data={"via": "reminder_link"}
            )
        case.updated_at = clock.now()
        case.save(update_fields=STATUS_FIELDS)
    return case


def do_schedule_meeting(
    *, actor: User, case: Case, starts_at: datetime, minutes: int, location: str
) -> Case:
    """Book the phone/video meeting the customer asked for; meets the meeting target."""
    _require_agent(actor)
    if not 5 <= minutes <= 480:
        raise DomainError(
            _("A meeting lasts between 5 minutes and 8 hours."), code=ErrorCode.INVALID_INPUT
        )
    with transaction.atomic(durable=True):
        case = _lock(case)
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
