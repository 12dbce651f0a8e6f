"""Webhooks against a real HTTP receiver on loopback: signed bodies, retries with backoff,
no redirects, and private targets refused unless the endpoint allows them."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from casedesk.webhooks import actions, signing, transport
from casedesk.webhooks.models import Delivery, Endpoint
from tests.webhooks.conftest import Receiver


def _emit(capture: Any, event: str = "case.updated", data: Any = None) -> list[int]:
    with capture(execute=True):
        ids = actions.emit_event(event, data or {"case": {"number": "2026-000001"}})
    return ids


def test_delivery_is_signed_and_logged(
    receiver: Receiver, endpoint: Endpoint, django_capture_on_commit_callbacks: Any
) -> None:
    [delivery_id] = _emit(django_capture_on_commit_callbacks)
    [received] = receiver.requests
    assert received.path == "/hook"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Casedesk-Event"] == "case.updated"
    header = received.headers[signing.HEADER]
    assert signing.verify(endpoint.secret, header, received.body, now=int(time.time()))
    assert not signing.verify("wrong", header, received.body, now=int(time.time()))
    assert not signing.verify(endpoint.secret, header, received.body + b" ", now=int(time.time()))
    # An old timestamp fails even with the right secret (replay protection).
    assert not signing.verify(endpoint.secret, header, received.body, now=int(time.time()) + 3600)
    body = json.loads(received.body)
    assert body["event"] == "case.updated"
    assert body["data"] == {"case": {"number": "2026-000001"}}
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.response_code == 200
    assert delivery.attempts == 1
    assert str(delivery.event_id) == body["id"] == received.headers["X-Casedesk-Delivery"]


def test_failures_are_retried_with_exponential_backoff(
    receiver: Receiver,
    endpoint: Endpoint,
    django_capture_on_commit_callbacks: Any,
    frozen: Any,
    settings: Any,
) -> None:
    from django.utils import timezone

    settings.CASEDESK_WEBHOOK_MAX_ATTEMPTS = 4
    now = timezone.now()
    frozen(now)
    receiver.answers = [500, 503, 500]
    [delivery_id] = _emit(django_capture_on_commit_callbacks)
    waits = []
    for _ in range(3):
        delivery = Delivery.objects.get(pk=delivery_id)
        assert delivery.status == Delivery.Status.RETRYING
        assert delivery.next_attempt_at is not None
        waits.append(delivery.next_attempt_at - now)
        # Not due yet: a second job (or the sweep) does nothing.
        assert actions.do_attempt_delivery(delivery_id=delivery_id) is None
        now = delivery.next_attempt_at
        frozen(now)
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.do_send_due_deliveries() == 1
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.attempts == 4
    assert [json.loads(r.body)["id"] for r in receiver.requests] == [str(delivery.event_id)] * 4


def test_gives_up_after_the_last_attempt(
    receiver: Receiver,
    endpoint: Endpoint,
    django_capture_on_commit_callbacks: Any,
    frozen: Any,
    settings: Any,
) -> None:
    from django.utils import timezone

    settings.CASEDESK_WEBHOOK_MAX_ATTEMPTS = 2
    frozen(timezone.now())
    receiver.answers = [500, 500, 500]
    [delivery_id] = _emit(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.next_attempt_at is not None
    frozen(delivery.next_attempt_at)
    actions.do_attempt_delivery(delivery_id=delivery_id)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 2


def test_redirects_are_not_followed(
    receiver: Receiver, endpoint: Endpoint, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.answers = [302]
    [delivery_id] = _emit(django_capture_on_commit_callbacks)
    assert [r.path for r in receiver.requests] == ["/hook"]
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == Delivery.Status.RETRYING
    assert delivery.response_code == 302
    assert "redirect not followed" in delivery.last_error


def test_private_target_refused_unless_allowed(
    receiver: Receiver, endpoint: Endpoint, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint.allow_private = False
    endpoint.save()
    Endpoint.objects.create(url=receiver.url.replace("127.0.0.1", "localhost") + "/x")
    ids = _emit(django_capture_on_commit_callbacks)
    assert receiver.requests == []
    for delivery in Delivery.objects.filter(pk__in=ids):
        assert delivery.status == Delivery.Status.FAILED
        assert "non-public address" in delivery.last_error
        assert delivery.attempts == 1


def test_address_classification() -> None:
    public = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    private = [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - a value to classify, not a bind address
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2002:a00:1::",  # 6to4 wrapping 10.0.0.1
        "fec0::1",  # site-local
    ]
    assert all(transport.is_public_address(a) for a in public)
    assert not any(transport.is_public_address(a) for a in private)
    with pytest.raises(transport.TargetRefused):
        transport.post("ftp://example.test/", b"", {}, allow_private=True, timeout=1)


def test_events_filter_and_inactive_endpoints(
    receiver: Receiver, endpoint: Endpoint, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint.events = ["case.created"]
    endpoint.save()
    Endpoint.objects.create(url=f"{receiver.url}/off", active=False, allow_private=True)
    assert _emit(django_capture_on_commit_callbacks, "case.updated") == []
    assert len(_emit(django_capture_on_commit_callbacks, "case.created")) == 1
    assert [r.path for r in receiver.requests] == ["/hook"]
