"""Every write to calendars (and, further down, to SLA clocks). One transaction each.

A calendar's hours or exceptions are changed here (or in the admin, which then calls
``do_touch_calendar``), and every change bumps ``Calendar.version``:
``calendars.business_calendar`` caches per (id, version), so a change without a bump would go
on serving the old hours. The running SLA clocks on the calendar are
checkpointed under the old hours and recomputed under the new ones in the same transaction,
so time already consumed stays as it was and no due time points at the old hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from itertools import pairwise

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from casedesk.cases.events import record_case_event
from casedesk.cases.models import OPEN, Case
from casedesk.core import clock, configcache
from casedesk.core.errors import DomainError, NotFound
from casedesk.sla import timers
from casedesk.sla.holidays import NAME_MAX_LENGTH, public_holidays
from casedesk.sla.models import Calendar, CalendarException, OpeningHours, SLAPolicy

Intervals = Sequence[tuple[time, time]]

MIDNIGHT = time(0)


def _seconds(moment: time, *, closing: bool) -> int:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    # A closing time of 00:00 is the midnight that ends the day, not the one that starts it.
    return seconds or (86_400 if closing else 0)


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def clean_intervals(intervals: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    """The intervals sorted by opening time; raises DomainError for a closing time not after
    its opening time (00:00 = midnight at the day's end) or for overlapping intervals."""
    cleaned: list[tuple[time, time]] = []
    for opens, closes in intervals:
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise DomainError(_("Opening times are local wall-clock times, without a time zone."))
        if opens.microsecond or closes.microsecond:
            raise DomainError(_("Opening times are whole seconds."))
        if _seconds(opens, closing=False) >= _seconds(closes, closing=True):
            raise DomainError(
                _(
                    "%(opens)s–%(closes)s: the closing time must be after the opening time "
                    "(use 00:00 for midnight at the end of the day)."
                )
                % {"opens": _hhmm(opens), "closes": _hhmm(closes)}
            )
        cleaned.append((opens, closes))
    cleaned.sort(key=lambda pair: _seconds(pair[0], closing=False))
    for (_first_opens, first_closes), (second_opens, second_closes) in pairwise(cleaned):
        # Touching intervals (08:00–12:00, 12:00–16:00) are fine; the arithmetic merges them.
        if _seconds(second_opens, closing=False) < _seconds(first_closes, closing=True):
            raise DomainError(
                _("%(opens)s–%(closes)s overlaps another interval on the same day.")
                % {"opens": _hhmm(second_opens), "closes": _hhmm(second_closes)}
            )
    return cleaned


def _lock(calendar: Calendar) -> Calendar:
    locked = Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
    if locked is None:
        raise NotFound(_("No such calendar."))
    return locked


def _before_change(calendar_id: int) -> datetime:
    """Bank the running clocks' time under the hours still in force; returns the instant
    from which the new hours apply."""
    at = clock.now()
    timers.checkpoint_calendar(calendar_id=calendar_id, at=at)
    return at


def _after_change(calendar_id: int, at: datetime) -> None:
    Calendar.objects.filter(pk=calendar_id).update(version=F("version") + 1)
    configcache.changed()  # cached SLA targets hold the calendar's old version
    # Inside the transaction is safe: the hook only rewrites timer rows, no mail or jobs.
    timers.recompute_for_calendar(calendar_id=calendar_id, at=at)


def _refresh_version(calendar: Calendar) -> None:
    # The caller's instance would otherwise keep the old version and be served the cached,
    # stale hours by business_calendar().
    calendar.refresh_from_db(fields=["version"])


def do_touch_calendar(*, calendar: Calendar) -> None:
    """Mark the calendar as changed after its rows were edited elsewhere (the admin).

    Its rows have already changed, so the running clocks' current segments are measured
    under the new hours; the actions below bank them under the old hours first.
    """
    with transaction.atomic(durable=True):
        _lock(calendar)
        _after_change(calendar.pk, clock.now())
    _refresh_version(calendar)


def do_seed_public_holidays(*, calendar: Calendar, years: Iterable[int]) -> int:
    """Close the calendar on its country's public holidays in ``years``; dates that already
    have an exception keep it (the vendor's own entry wins). Returns how many were added."""
    with transaction.atomic(durable=True):
        locked = _lock(calendar)
        found = public_holidays(country=locked.country, years=years)
        taken = set(
            CalendarException.objects.filter(
                calendar_id=locked.pk, date__in=list(found)
            ).values_list("date", flat=True)
        )
        new = [
            CalendarException(calendar_id=locked.pk, date=day, name=name)
            for day, name in found.items()
            if day not in taken
        ]
        if not new:
            # Nothing changed, so nothing to invalidate: seeding again is a no-op.
            return 0
        at = _before_change(locked.pk)
        CalendarException.objects.bulk_create(new)
        _after_change(locked.pk, at)
    _refresh_version(calendar)
    return len(new)


def do_add_calendar_exception(
    *,
    calendar: Calendar,
    date: date,
    name: str,
    intervals: Intervals = (),
) -> list[CalendarException]:
    """Replace the date's hours: closed all day without intervals, otherwise open only in
    them. Any earlier exception on that date is replaced."""
    cleaned = clean_intervals(intervals)
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("The name can be at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}
        )
    with transaction.atomic(durable=True):
        locked = _lock(calendar)
        at = _before_change(locked.pk)
        CalendarException.objects.filter(calendar_id=locked.pk, date=date).delete()
        rows = [
            CalendarException(calendar_id=locked.pk, date=date, name=name, opens=o, closes=c)
            for o, c in cleaned
        ] or [CalendarException(calendar_id=locked.pk, date=date, name=name)]
        created = CalendarException.objects.bulk_create(rows)
        _after_change(locked.pk, at)
    _refresh_version(calendar)
    return created


def do_remove_calendar_exception(*, calendar: Calendar, date: date) -> None:
    """Give the date back its weekly hours."""
    with transaction.atomic(durable=True):
        locked = _lock(calendar)
        at = _before_change(locked.pk)
        deleted, _by_model = CalendarException.objects.filter(
            calendar_id=locked.pk, date=date
        ).delete()
        if not deleted:
            raise NotFound(
                _("%(calendar)s has no holiday or closure on %(date)s.")
                % {"calendar": locked.name, "date": date.isoformat()}
            )
        _after_change(locked.pk, at)
    _refresh_version(calendar)


def do_set_opening_hours(
    *, calendar: Calendar, weekday: int, intervals: Intervals
) -> list[OpeningHours]:
    """Replace the weekday's (0 = Monday) opening intervals; none = closed that weekday."""
    if not 0 <= weekday <= 6:
        raise DomainError(_("The weekday must be 0 (Monday) to 6 (Sunday)."))
    cleaned = clean_intervals(intervals)
    with transaction.atomic(durable=True):
        locked = _lock(calendar)
        at = _before_change(locked.pk)
        OpeningHours.objects.filter(calendar_id=locked.pk, weekday=weekday).delete()
        created = OpeningHours.objects.bulk_create(
            OpeningHours(calendar_id=locked.pk, weekday=weekday, opens=o, closes=c)
            for o, c in cleaned
        )
        _after_change(locked.pk, at)
    _refresh_version(calendar)
    return created


def _retarget_cases(cases: QuerySet[Case], reason: str) -> int:
    """Each open case with live clocks in its own transaction: swap in the targets now in force."""
    ids = list(
        cases.filter(OPEN)
        .filter(sla_timers__state__in=timers.LIVE)
        .distinct()
        .values_list("pk", flat=True)
    )
    for case_id in ids:
        with transaction.atomic(durable=True):
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("contract")
                .get(pk=case_id)
            )
            changed = timers.retarget(case=case, at=clock.now())
            case.save(update_fields=["queue_due_at"])
            record_case_event(
                case=case,
                actor=None,
                kind="sla_recomputed",
                data={
                    "reason": reason,
                    **{t.metric: t.due_at.isoformat() if t.due_at else None for t in changed},
                },
            )
    return len(ids)


def do_retarget_policy_cases(*, policy_id: int) -> int:
    """After a policy's targets changed: its open cases keep consumed time, get new targets."""
    # The change may have come without signals (QuerySet.update): no cached targets survive.
    configcache.changed()
    policy = SLAPolicy.objects.get(pk=policy_id)
    under = Q(contract__sla_policy_id=policy_id)
    if policy.is_default:
        under |= Q(contract__isnull=True) | Q(contract__sla_policy__isnull=True)
    return _retarget_cases(Case.objects.filter(under), "policy_changed")


def do_retarget_contract_cases(*, contract_id: int) -> int:
    """After a contract got another SLA policy (mid-case): recompute from now on."""
    return _retarget_cases(Case.objects.filter(contract_id=contract_id), "contract_changed")
