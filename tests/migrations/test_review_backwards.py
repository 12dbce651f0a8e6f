"""Going back over sla 0003 with per-channel targets in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Migrate = Callable[[list[tuple[str, str]]], Apps]


@pytest.fixture
def migrate(transactional_db: None) -> Iterator[Migrate]:
    def to(targets: list[tuple[str, str]]) -> Apps:
        MigrationExecutor(connection).migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    try:
        yield to
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_sla_0003_goes_back_with_channel_targets_present(migrate: Migrate) -> None:
    apps = migrate([("sla", "0003_target_channel")])
    calendar = apps.get_model("sla", "Calendar").objects.create(name="Office")
    policy = apps.get_model("sla", "SLAPolicy").objects.create(name="Standard", calendar=calendar)
    target = apps.get_model("sla", "SLATarget").objects
    target.create(policy=policy, severity=2, metric="first_response", minutes=480)
    target.create(policy=policy, severity=2, metric="first_response", channel="email", minutes=1440)
    target.create(policy=policy, severity=2, metric="resolution", channel="phone", minutes=60)

    old = migrate([("sla", "0002_timer_alert_at")])
    # What was a target for every channel stays; a channel's own target has no place.
    kept = old.get_model("sla", "SLATarget").objects.values_list("severity", "metric", "minutes")
    assert sorted(kept) == [(2, "first_response", 480)]
