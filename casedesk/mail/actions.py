"""Agents' writes on stored mail: retry a failed one, or discard it (it stays stored)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.customers.access import require_agent
from casedesk.mail import inbound
from casedesk.mail.access import access_inbound_mail
from casedesk.mail.models import InboundMail

RETRYABLE = frozenset({InboundMail.State.FAILED, InboundMail.State.DISCARDED})


def do_retry_inbound_mail(*, actor: User, inbound_id: int) -> str | None:
    """Process a failed (or discarded) mail again, now; returns its new state."""
    require_agent(actor)
    with transaction.atomic(durable=True):
        row = access_inbound_mail(user=actor, inbound_id=inbound_id, for_update=True)
        if row.state not in RETRYABLE:
            raise DomainError(
                _("Only failed or discarded e-mail can be retried."), code=ErrorCode.CONFLICT
            )
        row.state = InboundMail.State.FAILED
        row.data = {**row.data, "retried_by": actor.pk, "retried_at": clock.now().isoformat()}
        row.save(update_fields=["state", "data"])
    return inbound.do_process_inbound_mail(inbound_id, retry=True)


def do_discard_inbound_mail(*, actor: User, inbound_id: int, reason: str = "") -> InboundMail:
    """Take a failed mail off the list; its raw bytes stay stored."""
    require_agent(actor)
    with transaction.atomic(durable=True):
        row = access_inbound_mail(user=actor, inbound_id=inbound_id, for_update=True)
        if row.state != InboundMail.State.FAILED:
            raise DomainError(_("Only failed e-mail can be discarded."), code=ErrorCode.CONFLICT)
        row.state = InboundMail.State.DISCARDED
        row.data = {
            **row.data,
            "discarded_by": actor.pk,
            "discarded_at": clock.now().isoformat(),
            "discard_reason": reason[:500],
        }
        row.save(update_fields=["state", "data"])
    return row
