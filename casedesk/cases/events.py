"""Audit rows for cases; called inside actions, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from casedesk.accounts.models import User
from casedesk.cases.models import Case, CaseEvent, Category, Severity, Status
from casedesk.core import clock
from casedesk.core.prepared import PreparedInsert
from casedesk.customers.models import Contact

_insert_event = PreparedInsert(CaseEvent)
P = ParamSpec("P")


def case_event(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    field: str = "",
    old: object = "",
    new: object = "",
    on_behalf_of_customer: bool = False,
    data: dict[str, Any] | None = None,
    contact: Contact | None = None,
) -> CaseEvent:
    """An audit row, not yet saved: an action builds it before its transaction when the
    case itself is still to be written. `contact`: the customer who acted without a login
    (e-mail), named in the trail as the actor would be."""
    if contact is not None and actor is None:
        data = {**(data or {}), "by": contact.name, "by_contact": contact.pk}
    return CaseEvent(
        case=case,
        actor=actor,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old)[:250],
        new_value="" if new is None else str(new)[:250],
        on_behalf_of_customer=on_behalf_of_customer,
        data=data or {},
        created_at=clock.now(),
    )


def save_case_event(event: CaseEvent) -> CaseEvent:
    return _insert_event.save(event)


def _saved(build: Callable[P, CaseEvent]) -> Callable[P, CaseEvent]:
    def record(*args: P.args, **kwargs: P.kwargs) -> CaseEvent:
        return save_case_event(build(*args, **kwargs))

    return record


# The audit row of a change, written in the change's transaction (case_event's arguments).
record_case_event = _saved(case_event)


_KIND_LABELS = {
    "created": _("created the case"),
    "status_changed": _("changed the status"),
    "severity_changed": _("changed the severity"),
    "category_changed": _("changed the category"),
    "assigned": _("changed the assignee"),
    "rank_changed": _("changed the customer's priority"),
    "reply_added": _("replied"),
    "note_added": _("wrote an internal note"),
    "attachment_added": _("attached a file"),
    "meeting_scheduled": _("booked a meeting"),
    "reminder_sent": _("sent a reminder to the customer"),
    "still_a_problem": _("the customer says it is still a problem"),
    "sla_warning": _("SLA target due soon"),
    "sla_breached": _("SLA target missed"),
    "sla_recomputed": _("recomputed the SLA due times"),
    "mail_auto_reply": _("received an automatic reply (not reopened)"),
    "mail_bounced": _("an e-mail to the customer bounced"),
}


def _value_label(field: str, value: str) -> str:
    choices: dict[str, type[models.Choices]] = {
        "status": Status,
        "severity": Severity,
        "category": Category,
    }
    if field in choices and value:
        try:
            enum = choices[field]
            return str(enum(int(value) if field == "severity" else value).label)
        except ValueError:
            return value
    if field == "meeting" and value:
        # Stored as an ISO time; shown in the reader's zone and format.
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value or "–"


def describe_case_event(event: CaseEvent) -> str:
    """One translated line for the audit trail, e.g. 'changed the status: Open → Closed'."""
    text = str(_KIND_LABELS.get(event.kind, event.kind))
    if event.kind in ("sla_warning", "sla_breached"):
        from casedesk.sla.models import Metric  # sla builds on cases

        label = Metric(event.field).label if event.field in Metric.values else event.field
        return f"{text}: {label}"
    if event.field:
        old = _value_label(event.field, event.old_value)
        new = _value_label(event.field, event.new_value)
        text = f"{text}: {old} → {new}"
    elif event.kind == "attachment_added":
        text = f"{text}: {event.new_value}"
    return text
