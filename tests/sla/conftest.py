from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from casedesk.sla.models import Calendar, OpeningHours, SLAPolicy, SLATarget

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the domain clock: `frozen(oslo(2026, 3, 6, 15, 30))`."""
    from django.utils import timezone

    current: list[datetime] = [timezone.now()]

    def set_now(moment: datetime) -> None:
        current[:] = [moment]

    monkeypatch.setattr("casedesk.core.clock.now", lambda: current[0])
    return set_now


@pytest.fixture
def office(db: None) -> Calendar:
    calendar = Calendar.objects.create(name="Office", time_zone="Europe/Oslo", country="NO")
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(8), closes=time(16)
        )
    return calendar


# minutes of business time per severity: first response, next response, resolution
TARGETS = {
    1: (480, 480, 4800),
    2: (240, 480, 2400),
    3: (960, 2400, 28800),
    4: (30, 60, 480),
    5: (60, 120, 960),
    6: (30, 60, 480),
}


@pytest.fixture
def policy(office: Calendar) -> SLAPolicy:
    policy = SLAPolicy.objects.create(name="Standard", calendar=office, is_default=True)
    for severity, minutes in TARGETS.items():
        for metric, value in zip(
            ("first_response", "next_response", "resolution"), minutes, strict=True
        ):
            SLATarget.objects.create(policy=policy, severity=severity, metric=metric, minutes=value)
        SLATarget.objects.create(
            policy=policy, severity=severity, metric="meeting", minutes=36 * 60
        )
    return policy


@pytest.fixture
def sla(policy: SLAPolicy, frozen: Any) -> Any:
    return policy
