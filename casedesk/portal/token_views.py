"""Contacts' personal API tokens (e.g. for a "report a problem" button in their own tools)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from casedesk.api import pages
from casedesk.core.views import current_user
from casedesk.customers.access import require_contact


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require_contact(user)
    return pages.token_page(request, user, template="portal/tokens.html", namespace="portal")


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = current_user(request)
    require_contact(user)
    return pages.revoke(request, user, token_id, namespace="portal")
