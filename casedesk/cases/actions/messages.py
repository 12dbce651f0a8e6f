"""Replies and internal notes on a case."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases import lifecycle, tasks
from casedesk.cases.access import contact_on_case
from casedesk.cases.actions.base import (
    REOPENED_BY_CUSTOMER_REPLY,
    STATUS_FIELDS,
    attach_uploads,
    check_actor_on_case,
    insert_message,
    lock_case,
    set_status,
    update_case,
    validate_uploads,
)
from casedesk.cases.attachments import Upload, delete_stored
from casedesk.cases.events import record_case_event
from casedesk.cases.models import (
    Case,
    Channel,
    Message,
    Status,
)
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from casedesk.customers.models import Contact
from casedesk.sla import timers
from casedesk.webhooks.actions import emit_case_changed, emit_message_event


def do_add_message(
    *,
    actor: User | None,
    case: Case,
    body: str,
    kind: str = Message.Kind.REPLY,
    channel: str | None = None,
    uploads: Sequence[Upload] = (),
    then_status: str | None = None,
    sender: Contact | None = None,
) -> Message:
    """Add a reply or note; an agent may set the next status in the same step.

    Channels that identify a customer without a login (e-mail) pass `actor=None` and the
    verified `sender` contact. Without a `channel`, the writer's own web pages: the portal
    for a customer, the desk for an agent.
    """
    if actor is None:
        if sender is None or not contact_on_case(sender, case):
            raise NotFound(_("Case %(number)s was not found.") % {"number": case.number})
        contact: Contact | None = sender
    else:
        contact = check_actor_on_case(actor, case)
    if contact is not None and then_status:
        raise PermissionDenied(_("Only the support team can set this status."))
    if contact is not None and kind != Message.Kind.REPLY:
        raise PermissionDenied(_("Only the support team can write internal notes."))
    if channel is None:
        channel = Channel.PORTAL if contact is not None else Channel.DESK
    body = body.strip()
    if not body and not uploads:
        raise DomainError(_("The message is empty."), code=ErrorCode.INVALID_INPUT)
    checked = validate_uploads(uploads)
    stored: list[str] = []
    try:
        with transaction.atomic(savepoint=False):
            case = lock_case(case)
            status_before = case.status
            now = clock.now()
            message = insert_message.save(
                Message(
                    case=case,
                    author=actor,
                    author_contact=contact,
                    kind=kind,
                    channel=channel,
                    body=body,
                    created_at=now,
                )
            )
            record_case_event(
                case=case,
                actor=actor,
                kind="note_added" if kind == "note" else "reply_added",
                data={"message": message.pk, "channel": channel},
                contact=contact,
            )
            attach_uploads(case=case, message=message, actor=actor, checked=checked, stored=stored)
            if contact is not None and case.status in REOPENED_BY_CUSTOMER_REPLY:
                set_status(case, Status.OPEN, actor=actor, reason="customer_reply")
            elif contact is None and kind == Message.Kind.REPLY and case.status == Status.NEW:
                set_status(case, Status.OPEN, actor=actor, reason="agent_reply")
            if then_status and then_status != case.status:
                lifecycle.check_transition(
                    case.status, then_status, is_agent=True, on_behalf_of_customer=False
                )
                set_status(case, then_status, actor=actor)
            if contact is not None:
                timers.on_customer_message(case=case, at=now)
            elif kind == Message.Kind.REPLY:
                timers.on_agent_reply(case=case, at=now)
            case.updated_at = now
            update_case.save(case, update_fields=STATUS_FIELDS)
            if kind == Message.Kind.REPLY and contact is None:
                transaction.on_commit(
                    lambda: tasks.send_reply_notification(message.pk), robust=True
                )
            emit_message_event(message)
            if case.status != status_before:
                # A reply that reopens the case or sets its next status changes the case too.
                closed_it = case.status == Status.CLOSED
                emit_case_changed(case, closed_it=closed_it)
    except BaseException:
        delete_stored(stored)
        raise
    return message
