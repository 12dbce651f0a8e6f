"""Tokens: hashed at rest, expiry, revocation, scopes, inactive owners, rate limits."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from casedesk.api.actions import do_create_api_token, do_revoke_api_token
from casedesk.api.models import ApiToken, RateCount
from casedesk.core.errors import DomainError, PermissionDenied
from tests.api.conftest import Api, assert_error, token_for
from tests.services import need, reachable


def test_only_a_hash_is_stored(agent: Any) -> None:
    new = do_create_api_token(actor=agent, owner=agent, name="laptop", scope="read")
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert stored.token_hash == hashlib.sha256(new.plaintext.encode()).hexdigest()
    assert new.plaintext not in {getattr(stored, f.attname) for f in ApiToken._meta.fields}
    assert new.plaintext.startswith(stored.prefix)


def test_me_and_last_used(agent: Any) -> None:
    api = Api(Client(), token_for(agent, "read"))
    body = api.get("/me").json()
    assert body["email"] == agent.email
    assert body["is_agent"] is True
    assert body["token"]["scope"] == "read"
    assert ApiToken.objects.get(owner=agent).last_used_at is not None


def test_missing_wrong_and_malformed_tokens_are_401(agent: Any) -> None:
    for header in (
        {},
        {"Authorization": "Bearer cdk_nope" + "x" * 30},
        {"Authorization": "Basic x"},
    ):
        response = Client().get("/api/v1/cases", headers=header)
        assert_error(response, 401, "unauthenticated")
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(agent: Any, frozen: Any) -> None:
    from django.utils import timezone

    start = timezone.now()
    frozen(start)
    api = Api(Client(), token_for(agent, expires_in_days=1))
    assert api.get("/me").status_code == 200
    frozen(start + timedelta(days=1, seconds=1))
    response = api.get("/me")
    assert_error(response, 401, "token_expired")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_revoked_token_is_refused(agent: Any) -> None:
    new = do_create_api_token(actor=agent, owner=agent, name="ci")
    api = Api(Client(), new.plaintext)
    assert api.get("/me").status_code == 200
    do_revoke_api_token(actor=agent, token=new.token)
    assert_error(api.get("/me"), 401, "token_revoked")


def test_inactive_owner_is_refused(contact_a: Any) -> None:
    api = Api(Client(), token_for(contact_a.user))
    contact_a.user.is_active = False
    contact_a.user.save()
    assert_error(api.get("/me"), 401)


def test_read_token_cannot_write(contact_a: Any, case_a: Any) -> None:
    api = Api(Client(), token_for(contact_a.user, "read"))
    assert api.get(f"/cases/{case_a.number}").status_code == 200
    error = assert_error(
        api.post(f"/cases/{case_a.number}/transitions", {"status": "closed"}),
        403,
        "insufficient_scope",
    )
    assert error["message"]
    case_a.refresh_from_db()
    assert case_a.status != "closed"


def test_token_rules(agent: Any, contact_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_create_api_token(actor=agent, owner=contact_a.user, name="theirs")
    with pytest.raises(PermissionDenied):
        do_create_api_token(actor=agent, owner=agent, name="svc", kind="service")
    with pytest.raises(DomainError):
        do_create_api_token(actor=agent, owner=agent, name="x", expires_in_days=0)
    with pytest.raises(DomainError):  # a contact's token never acts for the team
        do_create_api_token(actor=None, owner=contact_a.user, name="svc", kind="service")
    mine = do_create_api_token(actor=agent, owner=agent, name="mine").token
    with pytest.raises(PermissionDenied):
        do_revoke_api_token(actor=contact_a.user, token=mine)


def test_rate_limit_gives_429_with_retry_after(agent: Any, settings: Any) -> None:
    settings.CASEDESK_API_RATE_LIMIT = 3
    api = Api(Client(), token_for(agent))
    other = Api(Client(), token_for(agent))
    for _ in range(3):
        assert api.get("/me").status_code == 200
    response = api.get("/me")
    error = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["details"]["limit"] == 3
    # The limit is per token.
    assert other.get("/me").status_code == 200
    # One counter row per token and window, in the database when there is no Redis.
    assert sorted(RateCount.objects.values_list("count", flat=True)) == [1, 4]


def test_rate_counts_of_past_windows_are_forgotten(agent: Any, settings: Any) -> None:
    settings.CASEDESK_API_RATE_WINDOW = 1
    api = Api(Client(), token_for(agent))
    assert api.get("/me").status_code == 200
    first = RateCount.objects.get().bucket
    RateCount.objects.update(bucket=first - 5)  # as if the token was used a while ago
    assert api.get("/me").status_code == 200
    (bucket, count), *older = RateCount.objects.values_list("bucket", "count")
    assert not older
    assert bucket >= first
    assert count == 1


@pytest.mark.redis
def test_rate_limit_counts_in_redis_when_configured(agent: Any, settings: Any) -> None:
    need(reachable("127.0.0.1", 6379), "needs Redis on 127.0.0.1:6379")
    settings.REDIS_URL = "redis://127.0.0.1:6379/3"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"ratelimit-test-{uuid.uuid4()}",
        }
    }
    settings.CASEDESK_API_RATE_LIMIT = 2
    api = Api(Client(), token_for(agent))
    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]
    assert not RateCount.objects.exists()


def test_service_tokens_get_their_own_limit(agent: Any, settings: Any) -> None:
    settings.CASEDESK_API_RATE_LIMIT = 1
    settings.CASEDESK_API_SERVICE_RATE_LIMIT = 5
    service = do_create_api_token(actor=None, owner=agent, name="ivr", kind="service")
    api = Api(Client(), service.plaintext)
    assert [api.get("/me").status_code for _ in range(6)] == [200] * 5 + [429]


@pytest.mark.postgres
def test_rate_counters_need_no_disk_sync_on_postgresql(agent: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'api_ratecount'")
        assert cursor.fetchone() == ("u",)  # unlogged: commits do not wait for the WAL
    api = Api(Client(), token_for(agent))
    assert [api.get("/me").status_code for _ in range(2)] == [200, 200]
    assert RateCount.objects.get().count == 2
