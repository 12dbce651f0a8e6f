"""Bearer-token authentication for the API: who is calling, may they write, not too often."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja.security import HttpBearer

from casedesk.accounts.models import User
from casedesk.api.actions import do_mark_token_used
from casedesk.api.errors import InsufficientScope, TokenNotUsable
from casedesk.api.models import ApiToken
from casedesk.api.ratelimit import check_rate
from casedesk.api.tokens import hash_token, looks_like_token
from casedesk.core import clock

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not looks_like_token(token):
            return None
        # A contact's organization comes along: nearly every request checks it.
        found = (
            ApiToken.objects.select_related("owner__contact__organization")
            .filter(token_hash=hash_token(token))
            .first()
        )
        now = clock.now()
        if found is None or not found.owner.is_active:
            return None
        if found.revoked_at is not None:
            raise TokenNotUsable("revoked")
        if not found.is_usable_at(now):
            raise TokenNotUsable("expired")
        # Counted before the scope check, so a read token cannot hammer write endpoints.
        check_rate(found)
        if request.method not in SAFE_METHODS and not found.can_write:
            raise InsufficientScope
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            do_mark_token_used(token=found)
        request.user = found.owner
        return found


def api_user(request: HttpRequest) -> User:
    """The token's owner; only called from handlers behind TokenAuth."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - TokenAuth sets it
    return user
