from __future__ import annotations

from django.db.models import QuerySet

from casedesk.accounts.models import User
from casedesk.api.access import tokens_visible_to
from casedesk.api.models import ApiToken


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """Newest first; the plaintexts are not here (only hashes are stored)."""
    return tokens_visible_to(user).order_by("-created_at", "-id")[:200]
