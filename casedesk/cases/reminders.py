"""Reminders to the requester while a case waits on them (seed 004: the customer closes).

A case that enters "waiting on customer" or "solution proposed" gets its first reminder the
vendor's first reminder day later, in business days of the case's calendar; each later one
follows the gap between successive reminder days, and after the last the last gap repeats
(3,7 → days 3, 7, 11, 15, ...). With the vendor's auto-close on, the due time after the N-th
reminder closes the case instead. Leaving the waiting statuses clears the schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casedesk.cases.events import record_case_event
from casedesk.cases.models import Case, Status
from casedesk.cases.reminder_links import LinkAction, link_url
from casedesk.customers.models import Vendor
from casedesk.mail.outbound import deliver_email
from casedesk.sla import businesstime as bt
from casedesk.sla.policies import calendar_for_contract

logger = logging.getLogger(__name__)

REMINDED_STATUSES = frozenset({Status.WAITING_ON_CUSTOMER, Status.SOLUTION_PROPOSED})
AUTO_CLOSE_REASON = "auto_close_after_reminders"
_BATCH = 200


def _calendar_for(case: Case) -> bt.Calendar:
    """The case's SLA calendar (contract's policy, else the default); plain days without one."""
    calendar = calendar_for_contract(case.contract if case.contract_id is not None else None)
    return calendar or bt.Calendar.always_open(settings.TIME_ZONE)


def _days_later(case: Case, start: datetime, days: int) -> datetime:
    calendar = _calendar_for(case)
    try:
        return bt.add_business_days(calendar, start, days)
    except bt.NeverOpenError:
        # A calendar left without opening hours must not block an agent's status change or
        # the reminder job: count plain days in its zone instead.
        return bt.add_business_days(bt.Calendar.always_open(calendar.tz), start, days)


def _gap_after(days: list[int], sent: int) -> int:
    """Business days between reminder number ``sent`` and the next one."""
    gaps = [later - earlier for earlier, later in zip([0, *days], days, strict=False)]
    return gaps[min(sent, len(gaps) - 1)]


def on_status_changed(*, case: Case, old: str, new: str, at: datetime) -> None:
    """Called inside the status change's transaction; schedules or clears reminders."""
    if new in REMINDED_STATUSES:
        # Also when moving from one waiting status to the other: a proposed solution is
        # something new for the customer to answer, so the count starts again.
        days = Vendor.current().reminder_days()
        case.reminder_count = 0
        case.next_reminder_at = _days_later(case, at, days[0]) if days else None
    else:
        case.reminder_count = 0
        case.next_reminder_at = None


def _is_due(case: Case, now: datetime) -> bool:
    return (
        case.status in REMINDED_STATUSES
        and case.next_reminder_at is not None
        and case.next_reminder_at <= now
    )


def is_due_for_auto_close(case: Case, *, now: datetime) -> bool:
    """Whether the vendor closes this (locked) case now instead of reminding again."""
    limit = Vendor.current().auto_close_after_reminders
    return limit is not None and _is_due(case, now) and case.reminder_count >= limit


def do_send_reminder(*, case_id: int, now: datetime) -> bool:
    """Send the case's due reminder and schedule the next; False if it is not (or no longer)
    due, so running the job twice, or twice at once, sends nothing twice."""
    from casedesk.cases import tasks  # tasks imports this module for the periodic job

    days = Vendor.current().reminder_days()
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.next_reminder_at is None or case.next_reminder_at > now:
            return False
        if case.status not in REMINDED_STATUSES or not days:
            # A schedule outliving its status, or reminders switched off since: drop it so
            # the job stops picking the case up.
            case.next_reminder_at = None
            case.save(update_fields=["next_reminder_at"])
            return False
        if is_due_for_auto_close(case, now=now):
            return False
        scheduled = case.next_reminder_at
        case.reminder_count += 1
        gap = _gap_after(days, case.reminder_count)
        following = _days_later(case, scheduled, gap)
        if following <= now:
            # The job was down for a while: one reminder now, not a burst of overdue ones.
            following = _days_later(case, now, gap)
        case.next_reminder_at = following
        case.save(update_fields=["reminder_count", "next_reminder_at"])
        number = case.reminder_count
        record_case_event(
            case=case,
            actor=None,
            kind="reminder_sent",
            new=number,
            data={"reminder": number, "next_reminder_at": following.isoformat()},
        )
        transaction.on_commit(lambda: tasks.send_case_reminder(case_id, number))
    return True


def _due_case_ids(now: datetime) -> Iterator[tuple[int, int]]:
    """(id, reminder_count) of due cases, oldest first, in keyset batches on the
    ``case_reminder_due`` index; a case skipped in this run is not seen again in it."""
    due = Case.objects.filter(next_reminder_at__lte=now).order_by("next_reminder_at", "id")
    page = due
    while True:
        rows = list(page.values_list("next_reminder_at", "id", "reminder_count")[:_BATCH])
        for _at, pk, count in rows:
            yield pk, count
        if len(rows) < _BATCH:
            return
        last_at, last_id = rows[-1][0], rows[-1][1]
        page = due.filter(
            Q(next_reminder_at__gt=last_at) | Q(next_reminder_at=last_at, id__gt=last_id)
        )


def do_send_due_reminders(*, now: datetime) -> int:
    """Remind, or auto-close, every case due by ``now``, each in its own transaction.
    Returns how many cases were reminded or closed."""
    from casedesk.cases import actions  # actions imports this module for the status hook

    limit = Vendor.current().auto_close_after_reminders
    done = 0
    for case_id, count in _due_case_ids(now):
        try:
            if limit is not None and count >= limit:
                acted = actions.do_close_case_automatically(
                    case_id=case_id, reason=AUTO_CLOSE_REASON, now=now
                )
            else:
                acted = do_send_reminder(case_id=case_id, now=now)
        except Exception:
            # One broken case must not hold up everyone else's reminders; it is retried on
            # the next run.
            logger.exception("reminder for case %s failed", case_id)
            continue
        done += acted
    return done


# --- e-mail (kept together so it can move to the mail app as one piece) ------------------


def build_case_email(
    case: Case, *, template: Literal["reminder", "auto_closed"]
) -> EmailMultiAlternatives:
    """The reminder or "we closed your case" mail to the requester, in their language."""
    contact = case.requester
    base = settings.BASE_URL.rstrip("/")
    context: dict[str, object] = {
        "case": case,
        "contact": contact,
        "url": base + reverse("portal:case", args=[case.number]),
        "solution_proposed": case.status == Status.SOLUTION_PROPOSED,
    }
    if template == "reminder":
        for key, action in (("close_url", LinkAction.CLOSE), ("reopen_url", LinkAction.REOPEN)):
            context[key] = link_url(case_id=case.pk, action=action, contact_id=contact.pk)
    with translation.override(contact.language):
        if template == "reminder":
            subject = translation.gettext("[Case %(number)s] Reminder: %(subject)s")
        else:
            subject = translation.gettext("[Case %(number)s] Closed: %(subject)s")
        subject = subject % {"number": case.number, "subject": case.subject}
        text = render_to_string(f"cases/email/{template}.txt", context)
        html = render_to_string(f"cases/email/{template}.html", context)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[contact.email],
        # Automatic mail: auto-responders must not answer it (RFC 3834).
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def send_reminder_email(case_id: int, reminder_number: int) -> None:
    case = Case.objects.select_related("requester").get(pk=case_id)
    # The job may run late: if the customer answered or a later reminder exists by now,
    # this one would be wrong.
    if case.status not in REMINDED_STATUSES or case.reminder_count != reminder_number:
        return
    deliver_email(
        build_case_email(case, template="reminder"),
        kind="reminder",
        key=f"reminder:{case.pk}:{reminder_number}",
        case=case,
        language=case.requester.language,
    )


def send_auto_closed_email(case_id: int) -> None:
    case = Case.objects.select_related("requester").get(pk=case_id)
    if case.status != Status.CLOSED:
        return  # reopened meanwhile: "we closed your case" would be wrong
    deliver_email(
        build_case_email(case, template="auto_closed"),
        kind="auto_closed",
        key=f"auto_closed:{case.pk}:{case.closed_at.isoformat() if case.closed_at else ''}",
        case=case,
        language=case.requester.language,
    )
