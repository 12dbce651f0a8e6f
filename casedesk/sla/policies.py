"""Which SLA policy, calendar and targets apply to a contract or case."""

from __future__ import annotations

from casedesk.core import configcache
from casedesk.customers.models import Contract
from casedesk.sla import businesstime as bt
from casedesk.sla.calendars import business_calendar
from casedesk.sla.models import ALL_CHANNELS, SLAPolicy, SLATarget


def default_policy() -> SLAPolicy | None:
    return SLAPolicy.objects.select_related("calendar").filter(is_default=True).first()


def policy_for_contract(contract: Contract | None) -> SLAPolicy | None:
    if contract is not None and contract.sla_policy_id is not None:
        return contract.sla_policy
    return default_policy()


def calendar_for_contract(contract: Contract | None) -> bt.Calendar | None:
    policy = policy_for_contract(contract)
    return business_calendar(policy.calendar) if policy is not None else None


def targets_for_policy(policy_id: int | None, severity: int, channel: str) -> dict[str, SLATarget]:
    """The targets for a severity and intake channel under a contract's policy (None: the
    default policy), with each target's policy and calendar: per metric the channel's own
    target if the policy has one, else its target for every channel. Shared between
    callers: read, never change."""
    return configcache.cached(
        ("sla-targets", policy_id, severity, channel),
        lambda: _load_targets(policy_id, severity, channel),
    )


def _load_targets(policy_id: int | None, severity: int, channel: str) -> dict[str, SLATarget]:
    # One query for both candidates of each metric, on the unique index (policy, severity, ...).
    targets = SLATarget.objects.filter(
        severity=severity, channel__in=(ALL_CHANNELS, channel)
    ).select_related("policy__calendar")
    if policy_id is not None:
        targets = targets.filter(policy_id=policy_id)
    else:
        targets = targets.filter(policy__is_default=True)
    chosen: dict[str, SLATarget] = {}
    for target in targets:
        # The channel's own target wins over the one for every channel, whichever comes first.
        if target.channel or target.metric not in chosen:
            chosen[target.metric] = target
    return chosen
