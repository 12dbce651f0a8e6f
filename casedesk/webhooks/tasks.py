"""Webhook jobs: take ids, attempt, safe to run twice (attempts claim their row)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from casedesk.webhooks import actions


@db_task()
def deliver_webhook(delivery_id: int) -> None:
    actions.do_attempt_delivery(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def send_due_webhooks() -> None:
    actions.do_send_due_deliveries()
