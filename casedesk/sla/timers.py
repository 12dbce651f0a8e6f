"""SLA clocks of a case: consumed time plus the running segment.

Called from case actions inside their transaction. A clock's due time is computed from
what is left when its segment starts, so pausing, resuming, a new severity or a changed
calendar never rewrite time already consumed. The caller saves `case.queue_due_at`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from casedesk.cases.models import NO_DUE_TIME, Case, Status
from casedesk.core.prepared import PreparedModelQuery, PreparedQuery, PreparedUpdate
from casedesk.customers.models import Contract
from casedesk.sla import businesstime as bt
from casedesk.sla.calendars import business_calendar, round_the_clock
from casedesk.sla.models import Calendar, Metric, SLATarget, SLATimer
from casedesk.sla.policies import targets_for_policy

PAUSED_STATUSES = frozenset({Status.WAITING_ON_CUSTOMER, Status.SOLUTION_PROPOSED})
R = SLATimer.State
LIVE = (R.RUNNING, R.PAUSED)
TIMER_FIELDS = [
    "calendar",
    "business_time",
    "target_seconds",
    "target_channel",
    "warning_percent",
    "consumed_seconds",
    "segment_started_at",
    "state",
    "cycle",
    "due_at",
    "warn_at",
    "alert_at",
    "met_at",
]


def clock_of(timer: SLATimer) -> bt.Calendar:
    calendar = timer.calendar
    return business_calendar(calendar) if timer.business_time else round_the_clock(calendar)


def _consume(timer: SLATimer, at: datetime) -> None:
    if timer.state == R.RUNNING and timer.segment_started_at is not None:
        if at > timer.segment_started_at:
            timer.consumed_seconds += bt.business_seconds_between(
                clock_of(timer), timer.segment_started_at, at
            )
        timer.segment_started_at = None


def _add(calendar: bt.Calendar, at: datetime, seconds: int) -> datetime | None:
    if seconds <= 0:
        return at
    try:
        return bt.add_business_seconds(calendar, at, seconds)
    except bt.NeverOpenError:
        return None


def _run(timer: SLATimer, at: datetime) -> None:
    """Start a segment at `at` and derive due, warning and next alert instants."""
    calendar = clock_of(timer)
    timer.state = R.RUNNING
    timer.segment_started_at = at
    timer.due_at = _add(calendar, at, timer.target_seconds - timer.consumed_seconds)
    warn_total = timer.target_seconds * timer.warning_percent // 100
    timer.warn_at = _add(calendar, at, warn_total - timer.consumed_seconds)
    set_alert(timer)


def set_alert(timer: SLATimer) -> None:
    pending = []
    if timer.warned_cycle != timer.cycle and timer.warn_at is not None:
        pending.append(timer.warn_at)
    if timer.breached_cycle != timer.cycle and timer.due_at is not None:
        pending.append(timer.due_at)
    timer.alert_at = min(pending) if pending and timer.state == R.RUNNING else None


def _pause(timer: SLATimer, at: datetime) -> None:
    _consume(timer, at)
    timer.state = R.PAUSED
    timer.alert_at = None


def _finish(timer: SLATimer, at: datetime, state: str) -> None:
    _consume(timer, at)
    timer.state = state
    timer.alert_at = None
    if state == R.MET:
        timer.met_at = at


def _apply_target(timer: SLATimer, target: SLATarget) -> None:
    policy = target.policy
    timer.calendar = policy.calendar
    timer.business_time = target.business_time
    timer.target_seconds = target.minutes * 60
    timer.target_channel = target.channel
    timer.warning_percent = policy.warning_percent


# Every reply and status change reads and writes a case's clocks: prepared (see
# core.prepared). A case's clocks share one or two calendars, read once per call.
_timers_of = PreparedModelQuery(
    lambda case_id: SLATimer.objects.select_for_update().filter(case_id=case_id), int
)
_calendar = PreparedModelQuery(lambda pk: Calendar.objects.filter(pk=pk), int)
_running_due = PreparedQuery(
    lambda case_id: SLATimer.objects.filter(case_id=case_id, state=R.RUNNING).values_list("due_at"),
    int,
)
_contract_policy = PreparedQuery(
    lambda pk: Contract.objects.filter(pk=pk).values_list("sla_policy_id"), int
)
_update_timer = PreparedUpdate(SLATimer)


def _timers(case: Case, metrics: Iterable[str] | None = None) -> list[SLATimer]:
    wanted = None if metrics is None else set(metrics)
    timers = [t for t in _timers_of.all(case.pk) if wanted is None or t.metric in wanted]
    calendars: dict[int, Calendar] = {}
    for timer in timers:
        if timer.calendar_id not in calendars:
            found = _calendar.first(timer.calendar_id)
            assert found is not None  # noqa: S101 - a protected foreign key
            calendars[timer.calendar_id] = found
        timer.calendar = calendars[timer.calendar_id]
    return timers


def _save(timers: Iterable[SLATimer]) -> None:
    for timer in timers:
        _update_timer.save(timer, update_fields=TIMER_FIELDS)


def refresh_case_due(case: Case) -> None:
    """The queue sorts by the nearest running due time; the caller saves the case."""
    due = [d for (d,) in _running_due.rows(case.pk) if d is not None]
    case.queue_due_at = min(due) if due else NO_DUE_TIME


def _targets(case: Case) -> dict[str, SLATarget]:
    # The channel the case came in by, for its whole life: a later reply by e-mail does not
    # move a portal case onto the e-mail targets.
    policy_id = None
    if case.contract_id is not None:
        if Case.contract.is_cached(case) and case.contract is not None:
            policy_id = case.contract.sla_policy_id
        else:
            found = _contract_policy.first(case.contract_id)
            policy_id = found[0] if found else None
    return targets_for_policy(policy_id, case.severity, case.channel)


def _start(case: Case, target: SLATarget, at: datetime) -> SLATimer:
    timer = SLATimer(case=case, metric=target.metric)
    _apply_target(timer, target)
    _run(timer, at)
    timer.save()
    return timer


def plan_case_clocks(*, case: Case, at: datetime) -> list[SLATimer]:
    """The clocks of a case about to be created, unsaved, and its queue due time.

    Planned before the case row is written so that opening a case costs one insert for
    the case and one for its clocks.
    """
    targets = _targets(case)
    metrics = [Metric.FIRST_RESPONSE, Metric.RESOLUTION]
    if case.meeting_requested:
        metrics.append(Metric.MEETING)
    planned = []
    for metric in metrics:
        if metric in targets:
            timer = SLATimer(metric=metric)
            _apply_target(timer, targets[metric])
            _run(timer, at)
            planned.append(timer)
    due = [t.due_at for t in planned if t.due_at is not None]
    case.queue_due_at = min(due) if due else NO_DUE_TIME
    return planned


def save_case_clocks(*, case: Case, planned: list[SLATimer]) -> None:
    for timer in planned:
        timer.case = case
    SLATimer.objects.bulk_create(planned)


def on_agent_reply(*, case: Case, at: datetime) -> None:
    timers = _timers(case, [Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE])
    for timer in timers:
        if timer.state in LIVE:
            _finish(timer, at, R.MET)
    _save(timers)
    refresh_case_due(case)


def on_meeting_scheduled(*, case: Case, at: datetime) -> None:
    """Booking the meeting is what the meeting target asks for, whenever it takes place."""
    timers = _timers(case, [Metric.MEETING])
    for timer in timers:
        if timer.state in LIVE:
            _finish(timer, at, R.MET)
    _save(timers)
    refresh_case_due(case)


def on_customer_message(*, case: Case, at: datetime) -> None:
    """Each customer message after the first answer starts a next-response clock anew."""
    timers = {t.metric: t for t in _timers(case)}
    first = timers.get(Metric.FIRST_RESPONSE)
    if first is not None and first.state in LIVE:
        return  # still waiting for the first answer; that clock covers this message
    target = _targets(case).get(Metric.NEXT_RESPONSE)
    if target is None:
        return
    timer = timers.get(Metric.NEXT_RESPONSE)
    if timer is None:
        _start(case, target, at)
    elif timer.state not in LIVE:
        timer.cycle += 1
        timer.consumed_seconds = 0
        timer.met_at = None
        _apply_target(timer, target)
        _run(timer, at)
        _save([timer])
    refresh_case_due(case)


def on_status_changed(*, case: Case, old: str, new: str, at: datetime) -> None:
    timers = _timers(case)
    for timer in timers:
        if new == Status.CLOSED:
            if timer.state in LIVE:
                _finish(timer, at, R.STOPPED)
        elif new in PAUSED_STATUSES:
            if timer.state == R.RUNNING:
                _pause(timer, at)
        elif timer.state == R.PAUSED or (
            old == Status.CLOSED
            and timer.state == R.STOPPED
            and timer.met_at is None
            and timer.metric == Metric.RESOLUTION
        ):
            _run(timer, at)
    _save(timers)
    refresh_case_due(case)


def retarget(*, case: Case, at: datetime) -> list[SLATimer]:
    """After a severity or contract change: keep consumed time, swap targets (those for
    the case's intake channel, as when it was opened).

    A clock already past its new target is due at once; the breach scan then records one
    breach for the cycle, and none if this cycle was already breached.
    """
    targets = _targets(case)
    timers = [t for t in _timers(case) if t.state in LIVE]
    for timer in timers:
        target = targets.get(timer.metric)
        was_running = timer.state == R.RUNNING
        _consume(timer, at)
        if target is None:
            timer.state = R.STOPPED
            timer.alert_at = None
            continue
        _apply_target(timer, target)
        if was_running:
            _run(timer, at)
    _save(timers)
    refresh_case_due(case)
    return timers


def checkpoint_calendar(*, calendar_id: int, at: datetime) -> int:
    """Before a calendar changes: bank running clocks' time under the hours still in force."""
    timers = list(
        SLATimer.objects.select_for_update()
        .filter(calendar_id=calendar_id, state=R.RUNNING)
        .select_related("calendar")
    )
    for timer in timers:
        _consume(timer, at)
        timer.segment_started_at = at
    SLATimer.objects.bulk_update(timers, ["consumed_seconds", "segment_started_at"])
    return len(timers)


def recompute_for_calendar(*, calendar_id: int, at: datetime) -> int:
    """After a calendar changed: new due times from `at` on, under the new hours."""
    timers = list(
        SLATimer.objects.select_for_update()
        .filter(calendar_id=calendar_id, state=R.RUNNING)
        .select_related("calendar", "case")
    )
    for timer in timers:
        timer.calendar.refresh_from_db(fields=["version"])
        _consume(timer, at)
        _run(timer, at)
    SLATimer.objects.bulk_update(timers, TIMER_FIELDS)
    for case in {t.case_id: t.case for t in timers}.values():
        refresh_case_due(case)
        case.save(update_fields=["queue_due_at"])
    return len(timers)
