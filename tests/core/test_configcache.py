"""Configuration read on every case write is cached briefly; a change made in this process
counts at once, one made elsewhere within the cache's lifetime."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases.intake import intake_fields_for
from casedesk.cases.models import IntakeField
from casedesk.core import configcache
from casedesk.webhooks import actions as webhook_actions
from casedesk.webhooks.actions import emit_event
from casedesk.webhooks.models import Delivery, Endpoint


@pytest.mark.django_db
def test_intake_fields_are_read_once_and_changes_count_at_once(product: Any) -> None:
    assert intake_fields_for(product) == []
    with CaptureQueriesContext(connection) as queries:
        assert intake_fields_for(product) == []
    assert len(queries) == 0
    IntakeField.objects.create(product=product, key="version", label="Version", required=True)
    assert [f.key for f in intake_fields_for(product)] == ["version"]


@pytest.mark.django_db
def test_another_process_change_counts_after_the_lifetime(product: Any, monkeypatch: Any) -> None:
    assert intake_fields_for(product) == []
    # As another process would: no signal reaches this one.
    IntakeField.objects.bulk_create(
        [IntakeField(product=product, key="site", label="Site", required=False)]
    )
    assert intake_fields_for(product) == []
    now = configcache.time.monotonic()
    monkeypatch.setattr(configcache.time, "monotonic", lambda: now + configcache.TTL + 1)
    assert [f.key for f in intake_fields_for(product)] == ["site"]


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_elsewhere_does_not_break_events(monkeypatch: Any) -> None:
    monkeypatch.setattr(webhook_actions, "_enqueue", lambda ids: None)  # not sent here
    kept = Endpoint.objects.create(url="https://hooks.example.com/a", secret="s" * 32)
    gone = Endpoint.objects.create(url="https://hooks.example.com/b", secret="s" * 32)
    assert len(emit_event("case.created", {"x": 1})) == 2
    # Deleted by another process: this one still has it cached.
    Delivery.objects.all().delete()
    Endpoint.objects.filter(pk=gone.pk)._raw_delete(Endpoint.objects.db)
    ids = emit_event("case.created", {"x": 2})
    assert [d.endpoint_id for d in Delivery.objects.filter(pk__in=ids)] == [kept.pk]
