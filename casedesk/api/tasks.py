"""Housekeeping of the API's own tables."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from casedesk.api.actions import do_delete_expired_idempotency_keys


@db_periodic_task(crontab(minute="23"))
def delete_expired_idempotency_keys() -> None:
    do_delete_expired_idempotency_keys()
