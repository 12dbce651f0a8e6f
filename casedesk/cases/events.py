"""Audit rows for cases; called inside actions, in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from casedesk.accounts.models import User
from casedesk.cases.models import Case, CaseEvent
from casedesk.core import clock


def record_case_event(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    field: str = "",
    old: object = "",
    new: object = "",
    on_behalf_of_customer: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
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
