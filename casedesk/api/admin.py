"""Tokens in the admin: a read-only list with a revoke action (plaintexts are never stored,
so tokens are created in the desk, the portal or with `casedesk token create`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casedesk.api.actions import do_revoke_api_token
from casedesk.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "owner", "kind", "scope", "prefix", "expires_at", "last_used_at")
    list_filter = ("kind", "scope")
    search_fields = ("name", "owner__email", "prefix")
    readonly_fields = (
        "owner",
        "name",
        "kind",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("token_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            do_revoke_api_token(actor=None, token=token)
        messages.success(request, _("Revoked %(count)s tokens.") % {"count": queryset.count()})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
