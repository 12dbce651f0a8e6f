"""The customer's own priority order of its open cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases.actions.base import (
    check_actor_on_case,
)
from casedesk.cases.events import record_case_event
from casedesk.cases.models import (
    OPEN,
    Case,
)
from casedesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from casedesk.customers.access import contact_for_user
from casedesk.customers.entitlement import is_designated
from casedesk.customers.models import Contact, Organization


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
        .filter(OPEN)
        .order_by("rank", "id")
    )


def _require_designated(contact: Contact | None) -> None:
    # The organization's priority order is for its designated contacts (and agents); a
    # colleague who sees only their own cases must not reorder or probe the others.
    if contact is not None and not is_designated(contact):
        raise PermissionDenied(
            _("Only your organization's designated contact persons set its priority order.")
        )


def do_move_case_rank(*, actor: User, case: Case, direction: Literal["up", "down"]) -> None:
    """Swap a case with its neighbour in the organization's own priority order."""
    _require_designated(check_actor_on_case(actor, case))
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
    if not actor.is_agent:
        _require_designated(contact)
    with transaction.atomic(durable=True):
        ordered = _open_cases_locked(organization.pk)
        by_number = {c.number: c for c in ordered}
        if len(set(numbers)) != len(numbers) or set(numbers) != set(by_number):
            # Which numbers, so a client can tell a stale list from a wrong one.
            raise DomainError(
                _("The list of cases has changed; please reload and try again."),
                code=ErrorCode.CONFLICT,
                details={
                    "missing": sorted(set(by_number) - set(numbers)),
                    "not_open": sorted(set(numbers) - set(by_number)),
                    "repeated": sorted({n for n in numbers if numbers.count(n) > 1}),
                },
            )
        _apply_order(actor, [by_number[n] for n in numbers])
