"""SLA clocks as agents see them: time left (business hours for business-time targets),
red when breached."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from casedesk.sla import businesstime as bt
from casedesk.sla.models import SLATimer
from casedesk.sla.timers import clock_of


@dataclass(frozen=True)
class ClockView:
    metric: str
    label: str
    state: str
    state_label: str
    due_at: datetime | None
    seconds_left: int | None  # business seconds; negative once breached
    business_time: bool = True
    # Set when the clock follows a target for the case's intake channel, e.g. "E-mail":
    # agents then see why two cases of one severity are due at different times.
    target_channel: str = ""

    @property
    def breached(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < 0

    @property
    def left_text(self) -> str:
        if self.seconds_left is None:
            return "–"
        return format_duration(self.seconds_left, days=not self.business_time)


def format_duration(seconds: int, *, days: bool = True) -> str:
    """`days` only for round-the-clock time: a business day is no 24 hours, so "1d 16h" of
    business time would read as Thursday for what is due next week."""
    sign = "−" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    days_, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, mins = divmod(rest, 60)
    if days_:
        return _("%(sign)s%(d)sd %(h)sh") % {"sign": sign, "d": days_, "h": hours}
    if hours:
        return _("%(sign)s%(h)sh %(m)sm") % {"sign": sign, "h": hours, "m": mins}
    return _("%(sign)s%(m)sm") % {"sign": sign, "m": mins}


def _view(timer: SLATimer, now: datetime) -> ClockView:
    left = None
    if timer.state == SLATimer.State.RUNNING and timer.due_at is not None:
        left = bt.business_seconds_between(clock_of(timer), now, timer.due_at)
        if left == 0 and timer.due_at <= now:
            left = -1  # past due while closed: still breached
    return ClockView(
        timer.metric,
        str(timer.get_metric_display()),
        timer.state,
        str(timer.get_state_display()),
        timer.due_at,
        left,
        timer.business_time,
        str(timer.get_target_channel_display()) if timer.target_channel else "",
    )


def nearest_clocks(case_ids: Iterable[int], now: datetime) -> dict[int, ClockView]:
    """For a queue page: each case's running clock that is due first (one query)."""
    nearest: dict[int, SLATimer] = {}
    timers = SLATimer.objects.filter(
        case_id__in=list(case_ids), state=SLATimer.State.RUNNING, due_at__isnull=False
    ).select_related("calendar")
    for timer in timers:
        best = nearest.get(timer.case_id)
        if best is None or (timer.due_at and best.due_at and timer.due_at < best.due_at):
            nearest[timer.case_id] = timer
    return {case_id: _view(timer, now) for case_id, timer in nearest.items()}


def case_clocks(case_id: int, now: datetime) -> list[ClockView]:
    timers = SLATimer.objects.filter(case_id=case_id).select_related("calendar")
    order = {"first_response": 0, "next_response": 1, "resolution": 2, "meeting": 3}
    return [_view(t, now) for t in sorted(timers, key=lambda t: order.get(t.metric, 9))]
