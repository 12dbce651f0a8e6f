"""Shared personas: an agent, a contact of organization A, a contact of organization B."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from casedesk.core import configcache
from casedesk.sla.calendars import clear_cache as clear_calendar_cache
from casedesk.sla.models import Calendar, OpeningHours, SLAPolicy, SLATarget
from tests import factories
from tests.services import need

pytest_plugins = ["tests.smtp"]


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Path) -> None:
    from huey.contrib.djhuey import HUEY

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Jobs run inline in tests, right after the transaction that queued them commits.
    HUEY.immediate = True
    # Rolled-back tests reuse calendar ids and versions, which key the conversion cache,
    # and ids that key the configuration cache (a rollback sends no signals).
    clear_calendar_cache()
    configcache.clear()


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("django_db_blocker")
        need(
            connection.vendor == "postgresql",
            "needs PostgreSQL: run with DATABASE_URL=postgres://root@127.0.0.1:5432/test",
        )


@pytest.fixture
def product(db: None) -> Any:
    return factories.make_product("Journal")


@pytest.fixture
def other_product(db: None) -> Any:
    return factories.make_product("Booking")


@pytest.fixture
def agent(db: None) -> Any:
    return factories.make_agent("agent@vendor.test")


@pytest.fixture
def org_a(product: Any) -> Any:
    return factories.make_organization("Org A", products=[product])


@pytest.fixture
def org_b(product: Any) -> Any:
    return factories.make_organization("Org B", products=[product])


@pytest.fixture
def contact_a(org_a: Any) -> Any:
    return factories.make_contact(org_a, email="anna@a.test")


@pytest.fixture
def contact_b(org_b: Any) -> Any:
    return factories.make_contact(org_b, email="bob@b.test")


@pytest.fixture
def case_a(contact_a: Any, product: Any) -> Any:
    return factories.make_case(contact_a, product, uploads=[factories.png_upload()])


@pytest.fixture
def case_b(contact_b: Any, product: Any) -> Any:
    return factories.make_case(
        contact_b,
        product,
        subject="B's secret problem",
        uploads=[factories.png_upload("b-secret.png")],
    )


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
