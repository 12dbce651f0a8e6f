"""Endpoints are configured here (superusers); deliveries are a read-only log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casedesk.webhooks.models import Delivery, Endpoint, Event
from casedesk.webhooks.transport import is_public_address


class EndpointForm(forms.ModelForm[Endpoint]):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all events."),
    )

    class Meta:
        model = Endpoint
        fields = ("url", "description", "events", "active", "allow_private")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Use an http or https URL."))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        host = urlsplit(data.get("url") or "").hostname or ""
        # A literal private address would be refused on every delivery (transport checks
        # again after DNS); say so now rather than in a delivery log nobody reads yet.
        if host and not data.get("allow_private") and _literal_non_public(host):
            self.add_error(
                "allow_private",
                _("%(host)s is not a public address: tick this to deliver there.") % {"host": host},
            )
        return data


def _literal_non_public(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return not is_public_address(host)
    except ValueError:  # a name, not an address: judged after DNS, at delivery
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin[Endpoint]):
    form = EndpointForm
    list_display = ("url", "description", "active", "allow_private", "created_at")
    list_filter = ("active", "allow_private")
    readonly_fields = ("secret", "created_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = ("url", "description", "events", "active", "allow_private")
        # The secret exists once the endpoint is saved; show it so the receiver can be set up.
        return (*fields, "secret", "created_at") if obj else fields


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "response_code")
    list_filter = ("status", "event", "endpoint")
    readonly_fields = (
        "endpoint",
        "event",
        "event_id",
        "payload",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
