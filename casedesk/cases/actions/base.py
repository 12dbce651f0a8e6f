"""Helpers shared by the case actions: actor checks, row locks, attachments, status."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases import reminders
from casedesk.cases.attachments import Upload, store_upload, validate_upload
from casedesk.cases.events import record_case_event
from casedesk.cases.models import (
    OPEN,
    Attachment,
    Case,
    Message,
    Status,
)
from casedesk.core import clock
from casedesk.core.errors import NotFound, PermissionDenied
from casedesk.core.fastsql import Statement, fetch_one
from casedesk.core.prepared import (
    PreparedInsert,
    PreparedModelQuery,
    PreparedUpdate,
)
from casedesk.customers.access import contact_for_user
from casedesk.customers.models import Contact
from casedesk.sla import timers

# A new case goes last in its organization's priority order (the open cases' partial
# index (organization, rank, id) answers from its last entry). The INSERT finds that rank
# itself: one round trip fewer while the case holds the year's number (on PostgreSQL
# every new case waits for that row), and still after it, so it sees the case before.
NEXT_RANK_SQL = (
    'COALESCE((SELECT "rank" FROM "cases_case" WHERE "organization_id" = %s '  # noqa: S608 - the closed status is a code constant, values bound
    f'AND NOT ("status" = \'{Status.CLOSED.value}\') ORDER BY "rank" DESC LIMIT 1), 0) + 1'
)
# The rows every new case and message writes, and the case row every reply and status
# change rewrites; see PreparedInsert and PreparedUpdate.
insert_case = PreparedInsert(Case, computed={"rank": (NEXT_RANK_SQL, ("organization_id",))})
insert_message = PreparedInsert(Message)
update_case = PreparedUpdate(Case)
_locked_case = PreparedModelQuery(lambda pk: Case.objects.select_for_update().filter(pk=pk), int)

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


def check_actor_on_case(actor: User, case: Case) -> Contact | None:
    """Return the acting contact (None for agents); outsiders get 'not found'."""
    if actor.is_agent:
        return None
    contact = contact_for_user(actor)
    if contact is None or contact.organization_id != case.organization_id:
        raise NotFound(_("Case %(number)s was not found.") % {"number": case.number})
    return contact


def lock_case(case: Case) -> Case:
    """The case as it is now, locked until the transaction ends."""
    locked = _locked_case.first(case.pk)
    if locked is None:
        raise Case.DoesNotExist(f"case {case.pk} is gone")
    return locked


def validate_uploads(uploads: Sequence[Upload]) -> list[tuple[Upload, str, str]]:
    return [(u, *validate_upload(u)) for u in uploads]


def attach_uploads(
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


# The rank a new case gets (NEXT_RANK_SQL), for a case that goes last again (reopened).
_NEXT_RANK = Statement(f"SELECT {NEXT_RANK_SQL}")


def next_rank(organization_id: int) -> int:
    row = fetch_one(transaction.get_connection(), _NEXT_RANK, [organization_id])
    assert row is not None  # noqa: S101 - a SELECT without FROM returns its one row
    return int(row[0])


def _close_rank_gap(case: Case) -> None:
    """The cases after a closing one move up a place, so that a rank is the position the
    customer sees (the portal lists 1, 2, 3 …, the desk shows the rank). Their order does
    not change, so this is no change of theirs to record."""
    Case.objects.filter(organization_id=case.organization_id, rank__gt=case.rank).filter(
        OPEN
    ).exclude(pk=case.pk).update(rank=F("rank") - 1)
    case.rank = 0


def set_status(
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
        case.rank = next_rank(case.organization_id)
    case.status = status
    if status == Status.CLOSED and old != Status.CLOSED:
        case.closed_at = now
        _close_rank_gap(case)
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


def require_agent(actor: User) -> None:
    if not actor.is_agent:
        raise PermissionDenied(_("Only the support team can change this."))
