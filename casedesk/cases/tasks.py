"""Background jobs for cases: take ids, do the work, safe to run again."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from casedesk.cases import notifications, reminders, search_index
from casedesk.core import clock


@db_task(retries=5, retry_delay=60)
def send_case_acknowledgement(case_id: int) -> None:
    notifications.send_acknowledgement(case_id)


@db_task(retries=5, retry_delay=60)
def send_reply_notification(message_id: int) -> None:
    notifications.send_reply(message_id)


@db_task(retries=5, retry_delay=60)
def send_held_request_notice(held_id: int) -> None:
    notifications.send_held_request_notice(held_id)


@db_task(retries=5, retry_delay=60)
def send_held_request_rejected(held_id: int) -> None:
    notifications.send_held_request_rejected(held_id)


@db_periodic_task(crontab(minute="*"))
def index_search_backlog() -> None:
    # Searches catch up themselves; this keeps what they find to do small.
    search_index.index_backlog()


@db_periodic_task(crontab(minute="*/5"))
def send_due_reminders() -> None:
    reminders.do_send_due_reminders(now=clock.now())


@db_task(retries=5, retry_delay=60)
def send_case_reminder(case_id: int, reminder_number: int) -> None:
    reminders.send_reminder_email(case_id, reminder_number)


@db_task(retries=5, retry_delay=60)
def send_auto_closed_notice(case_id: int) -> None:
    reminders.send_auto_closed_email(case_id)


@db_task(retries=5, retry_delay=60)
def send_meeting_invite(case_id: int) -> None:
    from casedesk.cases.meetings import send_meeting_invite as send

    send(case_id)
