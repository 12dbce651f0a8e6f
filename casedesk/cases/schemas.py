"""API schemas for cases, separate per role: what a contact may send and see is a subset of
what an agent may. Every input schema forbids unknown fields (casedesk.api.schemas.StrictIn)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import BeforeValidator, Field

from casedesk.api.schemas import CaseNumber, Id, Out, PersonRef, Ref, StrictIn, Text
from casedesk.cases.models import (
    NO_DUE_TIME,
    Attachment,
    Case,
    Category,
    Channel,
    HeldRequest,
    Message,
    Severity,
    Status,
)

CaseSort = Literal["-updated_at", "queue", "rank"]


def _iso_datetime(value: Any) -> Any:
    # Pydantic would also read numbers as Unix times; only ISO 8601 text is accepted here.
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("expected an ISO 8601 date and time") from exc
    else:
        raise ValueError("expected an ISO 8601 date and time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        # In UTC: PostgreSQL refuses some offsets that ISO 8601 allows (e.g. -16:30).
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date and time out of range") from exc


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_datetime)]


class CaseListParams(Schema):
    status: Status | None = None
    severity: Severity | None = None
    product: Id | None = None
    organization: Id | None = Field(None, description="Agents only.")
    assignee: Id | Literal["none"] | None = Field(
        None, description="Agents only: an agent's id, or `none` for unassigned cases."
    )
    updated_since: IsoDatetime | None = Field(
        None, description="ISO 8601; without an offset it is read as UTC."
    )
    q: Text | None = Field(
        None,
        max_length=100,
        description="A case number (or its start, e.g. `2026-0001`) or words in the subject.",
    )
    sort: CaseSort = Field(
        "-updated_at",
        description="`-updated_at` (default), `queue` (the desk's order, open cases) or "
        "`rank` (the organization's own priority order, open cases).",
    )
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


AGENT_ONLY_FILTERS = frozenset({"organization", "assignee"})


class ContactCaseIn(StrictIn):
    product: Id
    subject: Text = Field(min_length=1, max_length=250)
    description: Text = Field(min_length=1, max_length=50_000)
    category: Category
    severity: Severity
    site: Id | None = None
    intake_data: dict[Text, Text] = Field(default_factory=dict, max_length=100)


class AgentCaseIn(ContactCaseIn):
    """An agent (or an integration's service account) opens a case for a contact."""

    requester: Id = Field(description="The contact the case is for.")
    channel: Channel = Channel.API


class CaseUpdateIn(StrictIn):
    """Agents only. Omitted (or null) fields stay as they are; `assignee: null` unassigns."""

    assignee: Id | None = None
    severity: Severity | None = None
    category: Category | None = None
    status: Status | None = None
    on_behalf_of_customer: bool = False


class ContactTransitionIn(StrictIn):
    status: Literal["closed", "open"]


class AgentTransitionIn(StrictIn):
    status: Status
    on_behalf_of_customer: bool = Field(
        False, description="Required to close: only the customer closes, or an agent for them."
    )


class MoveIn(StrictIn):
    direction: Literal["up", "down"]


class ContactOrderIn(StrictIn):
    numbers: list[CaseNumber] = Field(max_length=1000, description="All open cases, first is top.")


class AgentOrderIn(ContactOrderIn):
    organization: Id


class OrderOut(Out):
    numbers: list[str]


class MessageForm(Schema):
    body: Text = Field("", max_length=50_000)
    kind: Message.Kind = Message.Kind.REPLY
    then_status: Status | None = Field(None, description="Agents only: the next status.")


class SlaTimerOut(Out):
    metric: str
    state: str
    due_at: datetime | None
    breached: bool
    met_at: datetime | None


class ContactCaseOut(Out):
    number: str
    subject: str
    status: Status
    severity: Severity
    category: Category
    rank: int
    organization: Ref
    product: Ref
    site: Ref | None
    requester: Ref
    channel: Channel
    intake_data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class AgentCaseOut(ContactCaseOut):
    assignee: PersonRef | None
    due_at: datetime | None = Field(description="The nearest running SLA due time.")
    accepted_for: datetime | None
    sla: list[SlaTimerOut]


class CasePage(Out):
    items: list[AgentCaseOut | ContactCaseOut]
    next_cursor: str | None


class HeldRequestOut(Out):
    """202: the request waits for a reference person of the organization to approve it."""

    held_request: int
    state: str
    message: str


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Out):
    id: int
    kind: Message.Kind
    channel: Channel
    body: str
    author: str
    from_customer: bool
    created_at: datetime
    attachments: list[AttachmentOut]


def _ref(obj: Any) -> Ref | None:
    return Ref(id=obj.pk, name=obj.name) if obj is not None else None


def contact_case_out(case: Case) -> ContactCaseOut:
    return ContactCaseOut(**_common(case))


def _common(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "severity": case.severity,
        "category": case.category,
        "rank": case.rank,
        "organization": _ref(case.organization),
        "product": _ref(case.product),
        "site": _ref(case.site),
        "requester": _ref(case.requester),
        "channel": case.channel,
        "intake_data": case.intake_data,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
    }


def agent_case_out(case: Case) -> AgentCaseOut:
    assignee = case.assignee
    return AgentCaseOut(
        **_common(case),
        assignee=PersonRef(id=assignee.pk, name=str(assignee), email=assignee.email)
        if assignee
        else None,
        due_at=None if case.queue_due_at == NO_DUE_TIME else case.queue_due_at,
        accepted_for=case.accepted_for,
        # Prefetched by the caller (one query for a whole page).
        sla=[
            SlaTimerOut(
                metric=t.metric,
                state=t.state,
                due_at=t.due_at,
                breached=t.breached,
                met_at=t.met_at,
            )
            for t in case.sla_timers.all()
        ],
    )


def case_out(case: Case, *, agent: bool) -> AgentCaseOut | ContactCaseOut:
    return agent_case_out(case) if agent else contact_case_out(case)


def held_out(held: HeldRequest, message: str) -> HeldRequestOut:
    return HeldRequestOut(held_request=held.pk, state=held.state, message=message)


def attachment_out(attachment: Attachment, number: str) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=reverse("api:case_attachment", args=[number, attachment.pk]),
    )


def message_out(message: Message, number: str) -> MessageOut:
    if message.author_contact is not None:
        author = message.author_contact.name
    else:
        author = str(message.author) if message.author is not None else ""
    return MessageOut(
        id=message.pk,
        kind=Message.Kind(message.kind),
        channel=Channel(message.channel),
        body=message.body,
        author=author,
        from_customer=message.from_customer,
        created_at=message.created_at,
        attachments=[attachment_out(a, number) for a in message.attachments.all()],
    )
