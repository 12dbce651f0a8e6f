"""SLA clocks of a case (being written: issue 3)."""

from __future__ import annotations

from datetime import datetime

from casedesk.cases.models import Case


def on_status_changed(*, case: Case, old: str, new: str, at: datetime) -> None:
    """Pause, resume or stop the case's clocks; called inside the status change."""
