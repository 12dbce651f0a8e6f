"""Reads for the portal, the desk and the API: index-backed, keyset-paginated, no N+1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from casedesk.accounts.models import User
from casedesk.cases.access import cases_visible_to, messages_visible_to
from casedesk.cases.models import (
    OPEN,
    Attachment,
    Case,
    CaseEvent,
    HeldRequest,
    IntakeField,
    Message,
    Status,
)
from casedesk.cases.search import filter_by_query
from casedesk.core import configcache
from casedesk.core.keyset import Page, paginate
from casedesk.core.prepared import PreparedModelQuery, PreparedQuery
from casedesk.customers.models import Contact, Product
from casedesk.sla.models import SLATimer

QUEUE_ORDER: tuple[str, ...] = ("queue_class", "queue_due_at", "rank", "id")
RECENT_ORDER: tuple[str, ...] = ("-updated_at", "-id")
RANK_ORDER: tuple[str, ...] = ("rank", "id")
TIMER_ROW_FIELDS: tuple[str, ...] = (
    "case_id",
    "metric",
    "state",
    "due_at",
    "met_at",
    "cycle",
    "breached_cycle",
    "target_channel",
)


@dataclass(frozen=True)
class QueueFilters:
    product: int | None = None
    organization: int | None = None
    status: str | None = None
    assignee: int | None = None
    unassigned: bool = False
    severity: int | None = None
    q: str = ""


def _with_list_relations(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("organization", "product", "assignee", "requester")


def desk_queue(
    *, user: User, filters: QueueFilters, cursor: str | None, size: int = 50
) -> Page[Case]:
    qs = cases_visible_to(user)
    if filters.status == Status.CLOSED:
        qs, ordering = qs.filter(status=Status.CLOSED), RECENT_ORDER
    else:
        qs, ordering = qs.filter(OPEN), QUEUE_ORDER
        if filters.status:
            qs = qs.filter(status=filters.status)
    if filters.product:
        qs = qs.filter(product_id=filters.product)
    if filters.organization:
        qs = qs.filter(organization_id=filters.organization)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.q.strip():
        qs = filter_by_query(qs, filters.q, include_notes=user.is_agent)
    return paginate(_with_list_relations(qs), ordering=ordering, cursor=cursor, size=size)


def portal_open_cases(*, user: User, contact: Contact) -> list[Case]:
    qs = cases_visible_to(user).filter(organization_id=contact.organization_id)
    return list(_with_list_relations(qs.filter(OPEN)).order_by(*RANK_ORDER)[:500])


def portal_closed_cases(
    *, user: User, contact: Contact, cursor: str | None, size: int = 25
) -> Page[Case]:
    qs = cases_visible_to(user).filter(
        organization_id=contact.organization_id, status=Status.CLOSED
    )
    return paginate(_with_list_relations(qs), ordering=RECENT_ORDER, cursor=cursor, size=size)


def case_thread(*, user: User, case: Case) -> list[Message]:
    attachments = Attachment.objects.order_by("id")
    return list(
        messages_visible_to(user, case)
        .select_related("author", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
        .order_by("created_at", "id")
    )


# Read for every acknowledgement.
_creation_data = PreparedQuery(
    lambda case_id: (
        CaseEvent.objects.filter(case_id=case_id, kind="created")
        .order_by("id")
        .values_list("data")[:1]
    ),
    int,
)


def intake_reason(*, case: Case) -> str:
    """Why the intake rule let the case in, when not simply entitled (e.g. a "system down"
    report while support is paused), as its creation event recorded it; "" otherwise."""
    row = _creation_data.first(case.pk)
    data = row[0] if row else None
    return str(data.get("intake") or "") if isinstance(data, dict) else ""


def held_requests(*, state: str, cursor: str | None, size: int = 50) -> Page[HeldRequest]:
    """Requests waiting for (or decided by) a customer's reference person, for the desk."""
    qs = HeldRequest.objects.select_related(
        "organization", "requester", "product", "decided_by", "case"
    )
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, ordering=("-created_at", "-id"), cursor=cursor, size=size)


def intake_items(*, case: Case) -> list[tuple[str, str]]:
    """The case's required information with the vendor's labels, in configured order."""
    labels = dict(
        IntakeField.objects.filter(product_id=case.product_id).values_list("key", "label")
    )
    return [(labels.get(key, key), value) for key, value in case.intake_data.items()]


def case_events(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("id"))


# A page's case ids travel as one argument, a JSON array that each database unpacks itself,
# so the query is prepared once rather than built per page with a parameter per case.
_IDS_IN_ARRAY = {
    "sqlite": "SELECT value FROM json_each(%s)",
    "postgresql": "SELECT jsonb_array_elements_text(%s::jsonb)::bigint",
}
_timers_of_cases = PreparedQuery(
    lambda ids: (
        SLATimer.objects.filter(
            case_id__in=RawSQL(_IDS_IN_ARRAY[connection.vendor], (ids,))  # noqa: S611 - literal SQL
        )
        .order_by("id")
        .values_list(*TIMER_ROW_FIELDS)
    ),
    str,
)


def timer_rows(case_ids: list[int]) -> list[dict[str, Any]]:
    """The SLA clocks of a page of cases, as plain rows (one query)."""
    if not case_ids:
        return []
    rows = _timers_of_cases.rows(json.dumps([int(pk) for pk in case_ids]))
    return [dict(zip(TIMER_ROW_FIELDS, row, strict=True)) for row in rows]


def _product_names(products: QuerySet[Product]) -> dict[int, str]:
    return dict(products.values_list("pk", "name"))


def _person_names(users: QuerySet[User]) -> dict[int, tuple[str, str]]:
    people = users.values_list("pk", "full_name", "email")
    return {pk: (full_name, email) for pk, full_name, email in people}


def add_cached_names(rows: list[dict[str, Any]]) -> None:
    """Product and assignee names for case rows read without those joins, from the
    configuration cache; ids it does not know (a product committed by another process
    between the version check and this read, a former agent) are read directly."""
    # One entry for both maps: one version check per page.
    products, agents = configcache.cached(
        "case-list-names",
        lambda: (
            _product_names(Product.objects.all()),
            _person_names(User.objects.filter(is_staff=True)),
        ),
    )
    missing_products = {r["product_id"] for r in rows} - products.keys()
    if missing_products:
        products = {**products, **_product_names(Product.objects.filter(pk__in=missing_products))}
    missing_agents = {r["assignee_id"] for r in rows if r["assignee_id"]} - agents.keys()
    if missing_agents:
        agents = {**agents, **_person_names(User.objects.filter(pk__in=missing_agents))}
    for row in rows:
        row["product__name"] = products.get(row["product_id"], "")
        full_name, email = agents.get(row["assignee_id"], ("", ""))
        row["assignee__full_name"], row["assignee__email"] = full_name, email


# Inbound mail routing and every notification job fetch a case by id: prepared.
_case_by_id = PreparedModelQuery(lambda pk: Case.objects.filter(pk=pk), int)
_contact_by_id = PreparedModelQuery(lambda pk: Contact.objects.filter(pk=pk), int)


def case_by_id(case_id: int) -> Case | None:
    return _case_by_id.first(case_id)


def case_with_requester(case_id: int) -> Case:
    """The case and its requester, whom mail about the case goes to; DoesNotExist when the
    case is gone."""
    case = _case_by_id.first(case_id)
    if case is None:
        raise Case.DoesNotExist(f"case {case_id} is gone")
    requester = _contact_by_id.first(case.requester_id)
    assert requester is not None  # noqa: S101 - a protected foreign key
    case.requester = requester
    return case
