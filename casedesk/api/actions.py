"""Every write to API tokens and to the answers kept for idempotent requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.api.models import ApiToken, IdempotencyKey
from casedesk.api.tokens import PREFIX_SHOWN, hash_token, new_token
from casedesk.core import clock
from casedesk.core.errors import DomainError, ErrorCode, PermissionDenied

MAX_EXPIRY_DAYS = 3650
# How long a retry with the same Idempotency-Key gets the first answer.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


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


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # JSON, as it was first sent
    replayed: bool


def do_answer_once(
    *,
    owner: User,
    key: str,
    fingerprint: str,
    answer: Callable[[], tuple[int, str]],
) -> Answer:
    """Run `answer` (a write, returning its response) at most once per owner and key within
    IDEMPOTENCY_WINDOW; a retry gets the stored response. The key is claimed in the same
    transaction as the write, so an error (refused intake, invalid input) rolls the claim
    back with it: errors are not stored, and the retry is tried afresh."""
    now = clock.now()
    with transaction.atomic(durable=True):
        # Left by the cleanup job until its next run: they must not block the key's reuse.
        IdempotencyKey.objects.filter(
            owner=owner, key=key, created_at__lte=now - IDEMPOTENCY_WINDOW
        ).delete()
        claim = IdempotencyKey(
            owner=owner, key=key, fingerprint=fingerprint, status=0, response="", created_at=now
        )
        try:
            with transaction.atomic():
                claim.save(force_insert=True)
        except IntegrityError:
            # Used before, or by a concurrent request: on PostgreSQL the insert waited for
            # that request's commit, so its answer is now there to read.
            return _replay(IdempotencyKey.objects.get(owner=owner, key=key), fingerprint)
        status, body = answer()
        claim.status, claim.response = status, body
        claim.save(update_fields=["status", "response"])
    return Answer(status=status, body=body, replayed=False)


def _replay(found: IdempotencyKey, fingerprint: str) -> Answer:
    if found.fingerprint != fingerprint:
        raise DomainError(
            _("This Idempotency-Key was already used for a different request."),
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return Answer(status=found.status, body=found.response, replayed=True)


def do_delete_expired_idempotency_keys(*, now: datetime | None = None) -> int:
    """The periodic cleanup: one indexed range delete."""
    cutoff = (now or clock.now()) - IDEMPOTENCY_WINDOW
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted
