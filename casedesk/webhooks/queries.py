"""Reads for the delivery log."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from casedesk.accounts.models import User
from casedesk.core.keyset import Page, paginate
from casedesk.webhooks.access import deliveries_visible_to, endpoints_visible_to
from casedesk.webhooks.models import Delivery, Endpoint

LOG_ORDER = ("-created_at", "-id")


def endpoints_with_counts(*, user: User) -> QuerySet[Endpoint]:
    return endpoints_visible_to(user).annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        retrying=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.RETRYING)),
    )


def delivery_log(
    *,
    user: User,
    endpoint_id: int | None = None,
    status: str | None = None,
    cursor: str | None = None,
    size: int = 50,
) -> Page[Delivery]:
    qs = deliveries_visible_to(user).select_related("endpoint")
    if endpoint_id:
        qs = qs.filter(endpoint_id=endpoint_id)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, ordering=LOG_ORDER, cursor=cursor, size=size)
