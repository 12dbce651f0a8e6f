"""Webhook endpoints and deliveries are the vendor's: agents see them, nobody else."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core.errors import NotFound
from casedesk.webhooks.models import Delivery, Endpoint


def endpoints_visible_to(user: User) -> QuerySet[Endpoint]:
    if user.is_authenticated and user.is_agent:
        return Endpoint.objects.all()
    return Endpoint.objects.none()


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    if user.is_authenticated and user.is_agent:
        return Delivery.objects.all()
    return Delivery.objects.none()


def access_delivery(*, user: User, delivery_id: int) -> Delivery:
    delivery = deliveries_visible_to(user).select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("The delivery was not found."))
    return delivery
