"""Configuration read on every case write is kept in memory until it changes: a change made
in this process or in any other counts from its commit on."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casedesk.cases.intake import intake_fields_for
from casedesk.cases.models import IntakeField
from casedesk.core import configcache
from casedesk.sla.models import SLATarget
from casedesk.webhooks import actions as webhook_actions
from casedesk.webhooks.actions import emit_event
from casedesk.webhooks.models import Delivery, Endpoint
from tests import factories
from tests.mail.test_ways_in import subprocess_env


def _in_another_process(code: str) -> None:
    """Run ORM code in a separate `casedesk` process on this test's database."""
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "casedesk.cli", "manage", "shell", "-c", code],
        env=subprocess_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_a_cached_read_costs_one_version_check(product: Any) -> None:
    assert intake_fields_for(product) == []
    with CaptureQueriesContext(connection) as queries:
        assert intake_fields_for(product) == []
    assert [q["sql"] for q in queries] == ["SELECT number FROM core_configversion WHERE id = 1"]


@pytest.mark.django_db
def test_a_change_in_this_process_counts_at_once(product: Any) -> None:
    assert intake_fields_for(product) == []
    IntakeField.objects.create(product=product, key="version", label="Version", required=True)
    assert [f.key for f in intake_fields_for(product)] == ["version"]


@pytest.mark.django_db
def test_a_rolled_back_change_is_not_kept(product: Any) -> None:
    assert intake_fields_for(product) == []
    seen_inside: list[str] = []

    def change_then_fail() -> None:
        with transaction.atomic():
            IntakeField.objects.create(product=product, key="site", label="Site")
            seen_inside.extend(f.key for f in intake_fields_for(product))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert seen_inside == ["site"]
    assert intake_fields_for(product) == []


@pytest.mark.django_db(transaction=True)
def test_a_change_in_another_process_counts_from_its_commit(product: Any) -> None:
    assert intake_fields_for(product) == []
    _in_another_process(
        "from casedesk.cases.models import IntakeField; "
        f"IntakeField.objects.create(product_id={product.pk}, key='os', label='OS')"
    )
    assert [f.key for f in intake_fields_for(product)] == ["os"]


@pytest.mark.django_db(transaction=True)
def test_sla_targets_changed_elsewhere_apply_to_the_next_case(
    policy: Any, contact_a: Any, product: Any
) -> None:
    severity = 2
    target = SLATarget.objects.get(policy=policy, severity=severity, metric="first_response")
    before = factories.make_case(contact_a, product, severity=severity)
    _in_another_process(
        "from casedesk.sla.models import SLATarget; "
        f"t = SLATarget.objects.get(pk={target.pk}); t.minutes = 7; t.save()"
    )
    after = factories.make_case(contact_a, product, severity=severity)
    seconds = {
        case.pk: case.sla_timers.get(metric="first_response").target_seconds
        for case in (before, after)
    }
    assert seconds == {before.pk: target.minutes * 60, after.pk: 7 * 60}


@pytest.mark.django_db
def test_writes_without_signals_must_say_so(product: Any) -> None:
    assert intake_fields_for(product) == []
    IntakeField.objects.bulk_create([IntakeField(product=product, key="db", label="Database")])
    assert intake_fields_for(product) == []  # no signal: nobody knows
    configcache.changed()
    assert [f.key for f in intake_fields_for(product)] == ["db"]


@pytest.mark.django_db
def test_a_login_is_not_a_configuration_change(agent: Any) -> None:
    before = configcache.current_version()
    agent.save(update_fields=["last_login"])
    assert configcache.current_version() == before
    agent.save(update_fields=["full_name", "last_login"])
    assert configcache.current_version() == before + 1


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_elsewhere_does_not_break_events(monkeypatch: Any) -> None:
    monkeypatch.setattr(webhook_actions, "_enqueue", lambda ids: None)  # not sent here
    kept = Endpoint.objects.create(url="https://hooks.example.com/a", secret="s" * 32)
    gone = Endpoint.objects.create(url="https://hooks.example.com/b", secret="s" * 32)
    assert len(emit_event("case.created", {"x": 1})) == 2
    # Deleted by another process after this one checked the version (the race a version
    # check leaves open): its delivery cannot be inserted.
    Delivery.objects.all().delete()
    Endpoint.objects.filter(pk=gone.pk)._raw_delete(Endpoint.objects.db)
    ids = emit_event("case.created", {"x": 2})
    assert [d.endpoint_id for d in Delivery.objects.filter(pk__in=ids)] == [kept.pk]


def _version_reads(queries: CaptureQueriesContext) -> int:
    return sum("core_configversion" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_sees_its_own_changes_and_later_ones_after_it(product: Any) -> None:
    assert intake_fields_for(product) == []
    with configcache.request_snapshot():
        with CaptureQueriesContext(connection) as queries:
            assert intake_fields_for(product) == []
            assert intake_fields_for(product) == []
        assert _version_reads(queries) == 1
        # Committed by another process meanwhile: this request keeps its configuration.
        _in_another_process(
            "from casedesk.cases.models import IntakeField; "
            f"IntakeField.objects.create(product_id={product.pk}, key='os', label='OS')"
        )
        assert intake_fields_for(product) == []
        # Its own change counts at once.
        IntakeField.objects.create(product=product, key="site", label="Site")
        assert [f.key for f in intake_fields_for(product)] == ["os", "site"]
    with configcache.request_snapshot():
        assert [f.key for f in intake_fields_for(product)] == ["os", "site"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_does_not_stay_in_the_snapshot(product: Any) -> None:
    with configcache.request_snapshot():
        assert intake_fields_for(product) == []

        def change_then_fail() -> None:
            with transaction.atomic():
                IntakeField.objects.create(product=product, key="site", label="Site")
                assert [f.key for f in intake_fields_for(product)] == ["site"]
                raise RuntimeError

        with pytest.raises(RuntimeError):
            change_then_fail()
        assert intake_fields_for(product) == []
