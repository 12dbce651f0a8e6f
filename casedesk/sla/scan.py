"""The warning and breach scan: index-backed, idempotent, safe to run twice or after a crash.

Each running clock carries `alert_at`, the next instant it needs attention. The scan reads
only clocks whose alert_at has passed (a range scan on a partial index), records the
warning or breach once per clock cycle — a unique notice row makes a second run a no-op —
and moves alert_at on to the next threshold or clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from casedesk.cases.events import record_case_event
from casedesk.sla import tasks
from casedesk.sla.models import SLANotice, SLATimer
from casedesk.sla.timers import set_alert
from casedesk.webhooks.actions import emit_sla_event

BATCH = 200


@dataclass(frozen=True)
class ScanResult:
    warned: int
    breached: int


def _notice(timer: SLATimer, threshold: str, now: datetime) -> bool:
    try:
        with transaction.atomic():
            SLANotice.objects.create(
                timer=timer, threshold=threshold, cycle=timer.cycle, created_at=now
            )
    except IntegrityError:
        return False  # this cycle's notice exists: an earlier or concurrent run made it
    return True


def _handle(timer: SLATimer, now: datetime, events: list[tuple[str, SLATimer]]) -> tuple[int, int]:
    """Notices and audit events for one clock; its webhook events are added to `events`."""
    warned = breached = 0
    due_passed = timer.due_at is not None and timer.due_at <= now
    if timer.warned_cycle != timer.cycle and timer.warn_at and timer.warn_at <= now:
        timer.warned_cycle = timer.cycle
        # A clock found already past due skips straight to the breach notice.
        if not due_passed and _notice(timer, SLANotice.Threshold.WARNING, now):
            warned = 1
            record_case_event(
                case=timer.case,
                actor=None,
                kind="sla_warning",
                field=timer.metric,
                new=timer.due_at,
            )
            events.append(("sla.warning", timer))
    if timer.breached_cycle != timer.cycle and due_passed:
        timer.breached_cycle = timer.cycle
        if _notice(timer, SLANotice.Threshold.BREACH, now):
            breached = 1
            record_case_event(
                case=timer.case,
                actor=None,
                kind="sla_breached",
                field=timer.metric,
                new=timer.due_at,
            )
            events.append(("sla.breached", timer))
    set_alert(timer)
    return warned, breached


def _handle_batch(ids: list[int], now: datetime) -> tuple[int, int]:
    """One transaction per batch: commits, not rows, dominate the cost of a busy scan."""
    warned = breached = 0
    with transaction.atomic(durable=True):
        timers = list(
            SLATimer.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("case")
            .filter(pk__in=ids, state=SLATimer.State.RUNNING, alert_at__lte=now)
            .order_by("pk")
        )
        events: list[tuple[str, SLATimer]] = []
        for timer in timers:
            w, b = _handle(timer, now, events)
            warned, breached = warned + w, breached + b
        SLATimer.objects.bulk_update(timers, ["warned_cycle", "breached_cycle", "alert_at"])
        # After the clocks are saved: each event's case shows its clocks as this scan left them.
        for event, timer in events:
            emit_sla_event(event, timer)
        if warned or breached:
            transaction.on_commit(tasks.deliver_sla_notices)
    return warned, breached


def do_scan_sla(*, now: datetime) -> ScanResult:
    warned = breached = 0
    last_id = 0
    while True:
        ids = list(
            SLATimer.objects.filter(state=SLATimer.State.RUNNING, alert_at__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return ScanResult(warned, breached)
        w, b = _handle_batch(ids, now)
        warned, breached = warned + w, breached + b
        last_id = ids[-1]
