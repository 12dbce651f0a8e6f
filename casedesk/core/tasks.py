"""Housekeeping jobs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from casedesk.core.maintenance import refresh_planner_statistics


@db_periodic_task(crontab(minute="17"))
def refresh_statistics() -> None:
    refresh_planner_statistics()
