"""Agents' personal API tokens: create (shown once) and revoke."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from casedesk.api import pages
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = require_agent(current_user(request))
    return pages.token_page(request, user, template="desk/tokens.html", namespace="desk")


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    return pages.revoke(request, user, token_id, namespace="desk")
