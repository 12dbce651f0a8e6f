"""Reminders to the requester while a case waits on them (seed 004: the customer closes)."""

from __future__ import annotations

from datetime import datetime

from casedesk.cases.models import Case


def on_status_changed(*, case: Case, old: str, new: str, at: datetime) -> None:
    """Called inside the status change's transaction; schedules or clears reminders."""
    # Filled in by the reminders work (issue 3): sets case.next_reminder_at / reminder_count.
