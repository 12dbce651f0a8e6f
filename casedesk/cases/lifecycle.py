"""Which status changes are allowed, and who may make them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from casedesk.cases.models import Status
from casedesk.core.errors import InvalidTransition, PermissionDenied

S = Status
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.WAITING_ON_CUSTOMER, S.SOLUTION_PROPOSED, S.ON_HOLD, S.CLOSED}),
    S.OPEN: frozenset({S.WAITING_ON_CUSTOMER, S.SOLUTION_PROPOSED, S.ON_HOLD, S.CLOSED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.OPEN, S.SOLUTION_PROPOSED, S.ON_HOLD, S.CLOSED}),
    S.SOLUTION_PROPOSED: frozenset({S.OPEN, S.WAITING_ON_CUSTOMER, S.CLOSED}),
    S.ON_HOLD: frozenset({S.OPEN, S.WAITING_ON_CUSTOMER, S.SOLUTION_PROPOSED, S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN}),
}

# A customer decides when their case is done (close) or that it is not (reopen).
CUSTOMER_TARGETS = frozenset({S.CLOSED, S.OPEN})


def allowed_targets(current: str, *, is_agent: bool) -> list[str]:
    targets = ALLOWED[current]
    if not is_agent:
        targets = targets & CUSTOMER_TARGETS
    return [s for s in Status.values if s in targets]


def check_transition(
    current: str, target: str, *, is_agent: bool, on_behalf_of_customer: bool
) -> None:
    if target not in ALLOWED.get(current, frozenset()):
        raise InvalidTransition(
            _("A case cannot go from “%(old)s” to “%(new)s”.")
            % {
                "old": Status(current).label,
                "new": Status(target).label if target in Status.values else target,
            },
            details={"from": current, "to": target},
        )
    if is_agent and target == S.CLOSED and not on_behalf_of_customer:
        raise PermissionDenied(
            _("Only the customer closes a case. Close it on their behalf only when they asked.")
        )
    if not is_agent and target not in CUSTOMER_TARGETS:
        raise PermissionDenied(_("Only the support team can set this status."))
