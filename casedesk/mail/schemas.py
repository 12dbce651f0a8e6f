"""API schemas for stored inbound mail (agents)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from casedesk.api.schemas import Out, StrictIn, Text, UtcDatetime
from casedesk.mail.models import InboundMail

MailState = Literal["received", "processing", "processed", "failed", "discarded"]


class MailParams(StrictIn):
    state: MailState | None = "failed"
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class MailOut(Out):
    id: int
    source: str
    message_id: str
    from_address: str
    subject: str
    size: int
    received_at: UtcDatetime
    state: str
    outcome: str
    error: str
    attempts: int
    case: str | None


class MailPage(Out):
    items: list[MailOut]
    next_cursor: str | None


class DiscardIn(StrictIn):
    reason: Text = Field("", max_length=500)


def mail_out(row: InboundMail) -> MailOut:
    return MailOut(
        id=row.pk,
        source=row.source,
        message_id=row.message_id,
        from_address=row.from_address,
        subject=row.subject,
        size=row.size,
        received_at=row.received_at,
        state=row.state,
        outcome=row.outcome,
        error=row.error,
        attempts=row.attempts,
        case=row.case.number if row.case_id and row.case else None,
    )
