"""Webhook endpoints configured by the vendor, and the log of every delivery to them."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CASE_CREATED = "case.created", _("Case created")
    CASE_UPDATED = "case.updated", _("Case updated")
    CASE_CLOSED = "case.closed", _("Case closed")
    MESSAGE_CREATED = "message.created", _("Message created")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Kept in plaintext: signing needs it, and the receiver holds the same value.
    secret = models.CharField(_("signing secret"), max_length=80, default=new_secret)
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Event names to send, e.g. case.created; empty: all events."),
    )
    active = models.BooleanField(_("active"), default=True)
    allow_private = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_(
            "Allow delivery to loopback, private and link-local addresses (an on-premises "
            "system). Off: such targets are refused."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("url",)
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    # The same for every endpoint that receives one event, so receivers can deduplicate.
    event_id = models.UUIDField()
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = (
            models.Index(fields=("-created_at", "-id"), name="delivery_recent"),
            models.Index(fields=("endpoint", "-created_at", "-id"), name="delivery_endpoint"),
            models.Index(
                fields=("next_attempt_at",),
                condition=Q(status__in=["pending", "retrying", "sending"]),
                name="delivery_due",
            ),
        )

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
