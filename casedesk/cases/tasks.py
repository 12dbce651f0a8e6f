"""Background jobs for cases: take ids, do the work, safe to run again."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from casedesk.cases import notifications


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
