"""Tokens: hashed at rest, expiry, revocation, scopes, inactive owners, rate limits."""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casedesk.api import ratelimit
from casedesk.api.actions import do_create_api_token, do_revoke_api_token
from casedesk.api.models import ApiToken, RateCount
from casedesk.api.ratelimit import CountsFile, kept_windows
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


def _token(plaintext: str) -> ApiToken:
    return ApiToken.objects.get(token_hash=hashlib.sha256(plaintext.encode()).hexdigest())


def test_rate_limit_gives_429_with_retry_after(agent: Any, settings: Any) -> None:
    settings.CASEDESK_API_RATE_LIMIT = 3
    plaintext, other_plaintext = token_for(agent), token_for(agent)
    api, other = Api(Client(), plaintext), Api(Client(), other_plaintext)
    for _ in range(3):
        assert api.get("/me").status_code == 200
    response = api.get("/me")
    error = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["details"]["limit"] == 3
    # The limit is per token.
    assert other.get("/me").status_code == 200
    # One counter per token and window, kept by us when there is no Redis.
    assert [count for _, count in kept_windows(_token(plaintext))] == [4]
    assert [count for _, count in kept_windows(_token(other_plaintext))] == [1]


def test_rate_counts_of_past_windows_are_forgotten(
    agent: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CASEDESK_API_RATE_WINDOW = 1
    plaintext = token_for(agent)
    api = Api(Client(), plaintext)
    assert api.get("/me").status_code == 200
    [(first, count)] = kept_windows(_token(plaintext))
    assert count == 1
    later = time.time() + 5  # five windows on
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    assert api.get("/me").status_code == 200
    assert kept_windows(_token(plaintext)) == [(first + 5, 1)]


def test_on_sqlite_counting_a_request_writes_no_row_in_the_main_database(agent: Any) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL counts in its unlogged table")
    api = Api(Client(), token_for(agent, "read"))
    api.get("/me")  # marks the token used (a write, once a minute)
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/me").status_code == 200
    assert [q["sql"] for q in captured if not q["sql"].startswith("SELECT")] == []
    assert not RateCount.objects.exists()


def test_the_counts_file_counts_every_request_of_concurrent_writers(tmp_path: Path) -> None:
    # One CountsFile per process, a connection per thread: as gunicorn's workers use it.
    files = [CountsFile(tmp_path / "counts.sqlite3") for _ in range(3)]

    def hammer(counts: CountsFile) -> list[int]:
        return [counts.count("token", 7) for _ in range(200)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        seen = [n for ns in pool.map(hammer, files * 2) for n in ns]
    # Every request got its own number: none lost, none counted twice.
    assert sorted(seen) == list(range(1, 1201))
    assert files[0].windows("token") == [(7, 1200)]


def test_a_count_waits_for_another_writer_and_then_counts(tmp_path: Path) -> None:
    counts = CountsFile(tmp_path / "counts.sqlite3")
    assert counts.count("token", 7) == 1
    other = sqlite3.connect(tmp_path / "counts.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock a while
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(counts.count, "token", 7)
        time.sleep(0.2)
        assert not waiting.done()
        other.execute("COMMIT")
        assert waiting.result(timeout=5) == 2
    other.close()


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
    plaintext = token_for(agent)
    api = Api(Client(), plaintext)
    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]
    assert not RateCount.objects.exists()
    assert kept_windows(_token(plaintext)) == []


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
