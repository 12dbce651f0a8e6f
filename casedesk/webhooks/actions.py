"""Emitting events and delivering them: every write to deliveries.

Events are written in the transaction of the change they describe (case actions call
these last, after their own writes): each endpoint that wants the event gets a Delivery row
that commits or rolls back with the change, so no event is lost between a commit and a
crash, and a change with webhooks takes one commit, not two. After commit a Huey job sends
each delivery. A failed attempt is retried with exponential backoff; the state lives in the
row, so a lost job (or a process that stopped right after the commit) is picked up by the
periodic sweep.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from http.client import HTTPException
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.api.schemas import utc_text
from casedesk.cases.models import Case, Message
from casedesk.core import clock, configcache
from casedesk.core.errors import DomainError, ErrorCode, PermissionDenied
from casedesk.sla.models import SLATimer
from casedesk.webhooks import signing, transport
from casedesk.webhooks.models import Delivery, Endpoint, Event
from casedesk.webhooks.payloads import case_payload, message_payload, sla_payload

logger = logging.getLogger(__name__)
S = Delivery.Status
# Rows in these states are still to be sent; SENDING only once its lease has run out.
OPEN_STATES = (S.PENDING, S.RETRYING, S.SENDING)
USER_AGENT = "Casedesk-Webhooks/1"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attempts() -> int:
    return _setting("CASEDESK_WEBHOOK_MAX_ATTEMPTS", 8)


def backoff(attempt: int) -> timedelta:
    """Wait before the next try after `attempt` failures: 30 s, 1 min, 2 min, … (doubling),
    so a receiver that is down for a while is not hammered and about an hour is covered."""
    base = _setting("CASEDESK_WEBHOOK_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 6 * 3600))


def active_endpoints() -> list[Endpoint]:
    # Read on every case change; a new or switched-off endpoint counts from its commit on.
    return configcache.cached(
        "webhook-endpoints", lambda: list(Endpoint.objects.filter(active=True).order_by("id"))
    )


def emit_event(
    event: str, payload: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
) -> list[int]:
    """Write `event` for every active endpoint that wants it, in the caller's transaction
    (or its own); returns the delivery ids. The deliveries are queued after commit.

    `payload` may be a function, so that nothing is built when no endpoint listens.
    """
    endpoints = [e for e in active_endpoints() if e.wants(event)]
    if not endpoints:
        return []
    data = payload() if callable(payload) else payload
    now = clock.now()
    event_id = uuid.uuid4()
    body = {"id": str(event_id), "event": event, "created_at": utc_text(now), "data": data}
    with transaction.atomic(savepoint=False):
        # An endpoint deleted since the cached list was read gets nothing (its delivery row
        # would break the change's commit), and none can be deleted until this one commits.
        kept = _lock_endpoints([e.pk for e in endpoints])
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                endpoint=endpoint,
                event=event,
                event_id=event_id,
                payload=body,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in endpoints
            if endpoint.pk in kept
        )
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return ids


def _lock_endpoints(ids: list[int]) -> set[int]:
    """Those of `ids` that still exist, kept from deletion until the transaction ends (a
    deletion racing a change waits for it, then fails on the new delivery rows: the admin
    deletes again; the customer's change is never the one that fails)."""
    if connection.vendor == "postgresql":
        # KEY SHARE: concurrent case changes do not wait for each other, only a DELETE waits.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM webhooks_endpoint WHERE id = ANY(%s) FOR KEY SHARE", [ids]
            )
            return {row[0] for row in cursor.fetchall()}
    # SQLite: the transaction holds the database's one write lock already.
    return set(Endpoint.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _enqueue(ids: list[int]) -> None:
    from casedesk.webhooks import tasks

    for pk in ids:
        tasks.deliver_webhook(pk)


def emit_case_event(event: str, case: Case) -> list[int]:
    return emit_event(event, lambda: case_payload(case))


def emit_case_changed(case: Case, *, closed_it: bool) -> list[int]:
    """case.closed when this change closed the case, otherwise case.updated (an edit of a
    case that was closed already is an update, not a second closing)."""
    return emit_case_event(Event.CASE_CLOSED if closed_it else Event.CASE_UPDATED, case)


def emit_message_event(message: Message) -> list[int]:
    return emit_event(Event.MESSAGE_CREATED, lambda: message_payload(message))


def emit_sla_event(event: str, timer: SLATimer) -> list[int]:
    """sla.warning or sla.breached for one clock (called by the SLA scan after commit)."""
    return emit_event(event, lambda: sla_payload(timer))


def _claim(delivery_id: int) -> Delivery | None:
    """Take the row for one attempt; a concurrent or repeated job finds nothing to do."""
    now = clock.now()
    lease = timedelta(seconds=_setting("CASEDESK_WEBHOOK_TIMEOUT", 10) * 3)
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=OPEN_STATES, next_attempt_at__lte=now
    ).update(status=S.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease)
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=delivery_id)


def do_attempt_delivery(*, delivery_id: int) -> Delivery | None:
    """One attempt. The HTTP call happens outside any transaction (no lock held while
    waiting for a slow receiver). Returns the updated row, or None if it was not due."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Casedesk-Event": delivery.event,
        "X-Casedesk-Delivery": str(delivery.event_id),
        signing.HEADER: signing.header_value(endpoint.secret, int(time.time()), body),
    }
    permanent = False
    code: int | None = None
    try:
        response = transport.post(
            endpoint.url,
            body,
            headers,
            allow_private=endpoint.allow_private,
            timeout=_setting("CASEDESK_WEBHOOK_TIMEOUT", 10),
        )
        code = response.status
        if 200 <= code < 300:
            error = ""
        elif 300 <= code < 400:
            error = f"HTTP {code}: redirect not followed ({response.location[:200]})"
        else:
            error = f"HTTP {code}"
    except transport.TargetRefused as exc:
        error, permanent = str(exc), True
    except (OSError, HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return _record(delivery, code=code, error=error, permanent=permanent)


def _record(delivery: Delivery, *, code: int | None, error: str, permanent: bool) -> Delivery:
    now = clock.now()
    delivery.response_code = code
    delivery.last_error = error[:500]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = S.SUCCEEDED, now, None
    elif permanent or delivery.attempts >= max_attempts():
        delivery.status, delivery.next_attempt_at = S.FAILED, None
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)
    else:
        delivery.status = S.RETRYING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "status",
                "response_code",
                "last_error",
                "next_attempt_at",
                "delivered_at",
            ]
        )
        if delivery.status == S.RETRYING:
            retry_at = delivery.next_attempt_at
            transaction.on_commit(lambda: _schedule(delivery.pk, retry_at))
    return delivery


def _schedule(delivery_id: int, eta: Any) -> None:
    from casedesk.webhooks import tasks

    tasks.deliver_webhook.schedule(args=(delivery_id,), eta=eta)


def do_send_due_deliveries(*, limit: int = 200) -> int:
    """The periodic sweep: queue every delivery whose time has come (and any whose
    attempt was lost with its worker). Safe to run concurrently: attempts claim rows."""
    due = list(
        Delivery.objects.filter(status__in=OPEN_STATES, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(due)
    return len(due)


def do_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """An agent sends a delivery again (a new series of attempts)."""
    if not actor.is_agent:
        raise PermissionDenied(_("Only the support team can do this."))
    if delivery.status in (S.PENDING, S.SENDING):
        raise DomainError(_("This delivery is being sent."), code=ErrorCode.CONFLICT)
    with transaction.atomic(durable=True):
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        locked.status, locked.attempts, locked.next_attempt_at = S.PENDING, 0, clock.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: _enqueue([locked.pk]))
    return locked
