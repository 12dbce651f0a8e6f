"""API tokens: only a hash is stored; the plaintext is shown once, when it is made."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SERVICE = "service", _("Service account (integration)")

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    # The first characters of the token, so people can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    # sha256 of the whole token: a leaked database does not leak usable tokens, and a
    # random 256-bit secret needs no slow password hash.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = (models.Index(fields=("owner", "-created_at"), name="apitoken_owner"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable_at(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class RateCount(models.Model):
    """Requests per token in one rate-limit window, when there is no Redis: one row per
    token and window, counted up by a single upsert statement (see ratelimit.py)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    bucket = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("token", "bucket"), name="ratecount_token_bucket"),
        )

    def __str__(self) -> str:
        return f"{self.token_id}@{self.bucket}: {self.count}"


class IdempotencyKey(models.Model):
    """The answer to a request that carried an `Idempotency-Key` header, so that a retry
    with the same key (an integration that timed out) gets the same answer instead of
    doing the work twice. Keys belong to the token's owner; see actions.do_answer_once."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of the request body: the same key with another body is a client error, not
    # a retry.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    # The encoded body, byte for byte (jsonb would reorder its keys).
    response = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = (
            # Also what stops two concurrent requests with one key from both doing the work.
            models.UniqueConstraint(fields=("owner", "key"), name="idempotencykey_owner_key"),
        )
        # For the cleanup of expired keys.
        indexes = (models.Index(fields=("created_at",), name="idempotencykey_created"),)

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.key}"
