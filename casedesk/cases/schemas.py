"""API schemas for cases, separate per role: what a contact may send and see is a subset of
what an agent may. Every input schema forbids unknown fields (casedesk.api.schemas.StrictIn)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Body, Schema
from pydantic import BeforeValidator, Field
from pydantic_core import to_json

from casedesk.api.params import role_body
from casedesk.api.schemas import (
    CaseNumber,
    Id,
    Out,
    PersonRef,
    Ref,
    StrictIn,
    Text,
    UtcDatetime,
    utc_text,
)
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
from casedesk.cases.queries import TIMER_ROW_FIELDS, timer_rows
from casedesk.sla.models import SLATimer

CaseSort = Literal["-updated_at", "queue", "rank"]
# The ways a case comes in (models.INTAKE_CHANNELS), not "desk", where agents only answer:
# the schema offers just what intake accepts, so the refusal is an ordinary 422 at the field.
IntakeChannel = Literal["portal", "email", "phone", "api"]


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
    channel: IntakeChannel = "api"


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


# Role-dependent bodies: documented as either schema, validated by the handler against the
# caller's (casedesk.api.params.for_role).
CaseBody = Body[Annotated[dict[str, Any], role_body(AgentCaseIn, ContactCaseIn)]]
TransitionBody = Body[Annotated[dict[str, Any], role_body(AgentTransitionIn, ContactTransitionIn)]]
OrderBody = Body[Annotated[dict[str, Any], role_body(AgentOrderIn, ContactOrderIn)]]


class OrderOut(Out):
    numbers: list[str]


class MessageForm(Schema):
    body: Text = Field("", max_length=50_000)
    kind: Message.Kind = Message.Kind.REPLY
    then_status: Status | None = Field(None, description="Agents only: the next status.")


class SlaTimerOut(Out):
    metric: str
    state: str
    due_at: UtcDatetime | None
    breached: bool
    met_at: UtcDatetime | None
    target_channel: Channel | None = Field(
        description="The intake channel whose own target this clock follows; null: the "
        "policy's target for every channel."
    )


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
    created_at: UtcDatetime
    updated_at: UtcDatetime
    closed_at: UtcDatetime | None


class AgentCaseOut(ContactCaseOut):
    assignee: PersonRef | None
    due_at: UtcDatetime | None = Field(description="The nearest running SLA due time.")
    accepted_for: UtcDatetime | None
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
    created_at: UtcDatetime
    attachments: list[AttachmentOut]


# What a case's API representation reads, related names included. A list page reads these
# as plain rows in one query (building model instances for a page and its relations cost
# more than the query); a single case is read into the same shape by `case_row`.
CASE_ROW_FIELDS: tuple[str, ...] = (
    "id",
    "number",
    "subject",
    "status",
    "severity",
    "category",
    "rank",
    "channel",
    "intake_data",
    "created_at",
    "updated_at",
    "closed_at",
    "queue_class",
    "queue_due_at",
    "accepted_for",
    "organization_id",
    "organization__name",
    "product_id",
    "product__name",
    "site_id",
    "site__name",
    "requester_id",
    "requester__name",
    "assignee_id",
    "assignee__full_name",
    "assignee__email",
)
CaseRow = dict[str, Any]
# Filled in from the configuration cache for a list page (queries.add_cached_names): joining
# these two small tables made PostgreSQL spend 2.3 of its 3 ms planning each page.
CACHED_NAME_FIELDS = ("product__name", "assignee__full_name", "assignee__email")
CASE_LIST_FIELDS = tuple(f for f in CASE_ROW_FIELDS if f not in CACHED_NAME_FIELDS)


def case_row(case: Case) -> CaseRow:
    row: CaseRow = {}
    for name in CASE_ROW_FIELDS:
        value: Any = case
        for part in name.split("__"):
            value = getattr(value, part) if value is not None else None
        row[name] = value
    return row


def _ref(row: CaseRow, relation: str) -> dict[str, Any] | None:
    pk = row[f"{relation}_id"]
    return {"id": pk, "name": row[f"{relation}__name"]} if pk is not None else None


def _contact_fields(row: CaseRow) -> dict[str, Any]:
    return {
        "number": row["number"],
        "subject": row["subject"],
        "status": row["status"],
        "severity": row["severity"],
        "category": row["category"],
        "rank": row["rank"],
        "organization": _ref(row, "organization"),
        "product": _ref(row, "product"),
        "site": _ref(row, "site"),
        "requester": _ref(row, "requester"),
        "channel": row["channel"],
        "intake_data": row["intake_data"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "closed_at": row["closed_at"],
    }


def _agent_fields(row: CaseRow, timers: list[dict[str, Any]]) -> dict[str, Any]:
    assignee = row["assignee_id"]
    return {
        **_contact_fields(row),
        "assignee": {
            "id": assignee,
            "name": row["assignee__full_name"] or row["assignee__email"],
            "email": row["assignee__email"],
        }
        if assignee is not None
        else None,
        "due_at": None if row["queue_due_at"] == NO_DUE_TIME else row["queue_due_at"],
        "accepted_for": row["accepted_for"],
        "sla": [_timer_fields(t) for t in timers],
    }


def _timer_fields(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "metric": t["metric"],
        "state": t["state"],
        "due_at": t["due_at"],
        # As SLATimer.breached: breached in the clock's current cycle.
        "breached": t["breached_cycle"] == t["cycle"],
        "met_at": t["met_at"],
        "target_channel": t["target_channel"] or None,
    }


def sla_timer_out(timer: SLATimer) -> SlaTimerOut:
    """One clock as the API shows it in a case's `sla` list (webhooks send the same)."""
    return SlaTimerOut.model_validate(
        _timer_fields({name: getattr(timer, name) for name in TIMER_ROW_FIELDS})
    )


def case_out(case: Case, *, agent: bool) -> AgentCaseOut | ContactCaseOut:
    row = case_row(case)
    if not agent:
        return ContactCaseOut.model_validate(_contact_fields(row))
    return AgentCaseOut.model_validate(_agent_fields(row, timer_rows([case.pk])))


# A list page is written as JSON from its rows directly: validating fifty cases into models
# and dumping them again cost more than reading the page from the database. The rows are
# the database's own columns, so there is nothing to validate; the times take the one form
# UtcDatetime gives them (tests check the page against CasePage).
_CASE_TIMES = ("created_at", "updated_at", "closed_at")
_AGENT_ITEM_TIMES = (*_CASE_TIMES, "due_at", "accepted_for")
_TIMER_TIMES = ("due_at", "met_at")


def _times_as_text(fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    for name in names:
        if fields[name] is not None:
            fields[name] = utc_text(fields[name])
    return fields


def case_page_json(
    rows: list[CaseRow], timers: list[dict[str, Any]], *, agent: bool, next_cursor: str | None
) -> bytes:
    """A CasePage as JSON: `timers` are the SLA clocks of all its cases (agents only)."""
    if not agent:
        items = [_times_as_text(_contact_fields(row), _CASE_TIMES) for row in rows]
    else:
        by_case: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        for timer in timers:
            by_case[timer["case_id"]].append(timer)
        items = []
        for row in rows:
            item = _times_as_text(_agent_fields(row, by_case[row["id"]]), _AGENT_ITEM_TIMES)
            for clock in item["sla"]:
                _times_as_text(clock, _TIMER_TIMES)
            items.append(item)
    return to_json({"items": items, "next_cursor": next_cursor})


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
