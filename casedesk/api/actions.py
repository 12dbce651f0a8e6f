"""Every write to API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.api.models import ApiToken
from casedesk.api.tokens import PREFIX_SHOWN, hash_token, new_token
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode, PermissionDenied

MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plaintext: str  # shown once; never stored


def do_create_api_token(
    *,
    actor: User | None,
    owner: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_in_days: int | None = None,
    kind: str = ApiToken.Kind.PERSONAL,
) -> NewToken:
    """A new token for `owner`. `actor` None means the operator's shell (the CLI)."""
    if actor is not None and actor.pk != owner.pk:
        raise PermissionDenied(_("You can only create tokens for yourself."))
    if actor is not None and kind != ApiToken.Kind.PERSONAL:
        raise PermissionDenied(_("Service tokens are created by an operator."))
    if not owner.is_active:
        raise DomainError(_("This account is not active."), code=ErrorCode.INVALID_INPUT)
    if kind == ApiToken.Kind.SERVICE and not owner.is_agent:
        # Service tokens act for the support team (and get its higher rate limit).
        raise DomainError(
            _("Service tokens belong to support team accounts."), code=ErrorCode.INVALID_INPUT
        )
    name = name.strip()
    if not name:
        raise DomainError(_("Please give the token a name."), code=ErrorCode.INVALID_INPUT)
    if scope not in ApiToken.Scope.values or kind not in ApiToken.Kind.values:
        raise DomainError(_("Unknown scope or kind."), code=ErrorCode.INVALID_INPUT)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise DomainError(
            _("A token expires after 1 to %(max)s days.") % {"max": MAX_EXPIRY_DAYS},
            code=ErrorCode.INVALID_INPUT,
        )
    plaintext = new_token()
    now = clock.now()
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            owner=owner,
            name=name[:120],
            kind=kind,
            scope=scope,
            prefix=plaintext[:PREFIX_SHOWN],
            token_hash=hash_token(plaintext),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
    return NewToken(token=token, plaintext=plaintext)


def do_revoke_api_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    if actor is not None and actor.pk != token.owner_id and not actor.is_superuser:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    with transaction.atomic(durable=True):
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = clock.now()
            locked.save(update_fields=["revoked_at"])
    return locked


def do_mark_token_used(*, token: ApiToken) -> None:
    """A single UPDATE outside any transaction of the request's own work."""
    now = clock.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
