"""`Idempotency-Key` on POST /api/v1/cases: a retry gets the first answer and opens no
second case; the key belongs to the token's owner and lasts 24 hours."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.db.models import F
from django.test import Client

from casedesk.api.models import IdempotencyKey
from casedesk.api.tasks import delete_expired_idempotency_keys
from casedesk.cases.models import Case
from tests import factories
from tests.api.conftest import Api, assert_error, token_for


def _new_case(product: Any, **extra: Any) -> dict[str, Any]:
    return {
        "product": product.pk,
        "subject": "Monitoring: database unreachable",
        "description": "Check failed three times.",
        "category": "problem",
        "severity": 4,
        **extra,
    }


def _post(api: Api, body: Any, key: str) -> Any:
    return api.client.post(
        "/api/v1/cases",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": key},
    )


def test_a_retry_gets_the_first_response_and_no_second_case(
    agent_api: Api, contact_a: Any, product: Any
) -> None:
    body = _new_case(product, requester=contact_a.pk)
    first = _post(agent_api, body, "monitor-42")
    assert first.status_code == 201, first.content
    assert not first.has_header("Idempotent-Replayed")
    # The same body with its keys in another order is the same request.
    again = _post(agent_api, dict(reversed(body.items())), "monitor-42")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    assert Case.objects.get().number == first.json()["number"]


def test_a_held_request_is_replayed_as_held(api_as: Any, org_a: Any, product: Any) -> None:
    from casedesk.cases.models import HeldRequest
    from casedesk.customers.models import ContactRole, Vendor

    factories.make_contact(org_a, email="ref@a.test", role="general")
    colleague = factories.make_contact(org_a, email="colleague@a.test")
    ContactRole.objects.filter(contact=colleague).delete()
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    api = api_as(colleague.user)
    first = _post(api, _new_case(product), "held")
    again = _post(api, _new_case(product), "held")
    assert (first.status_code, again.status_code) == (202, 202), first.content
    assert again.content == first.content
    assert HeldRequest.objects.count() == 1
    assert not Case.objects.exists()


def test_the_same_key_with_another_body_is_refused(
    agent_api: Api, contact_a: Any, product: Any
) -> None:
    assert _post(agent_api, _new_case(product, requester=contact_a.pk), "k1").status_code == 201
    changed = _new_case(product, requester=contact_a.pk, severity=5)
    error = assert_error(_post(agent_api, changed, "k1"), 409, "idempotency_key_reused")
    assert "Idempotency-Key" in error["message"]
    assert Case.objects.count() == 1


def test_keys_belong_to_their_user(api_a: Api, api_as: Any, contact_a: Any, product: Any) -> None:
    colleague = factories.make_contact(contact_a.organization, email="bo@a.test")
    api_colleague = api_as(colleague.user)
    mine = _post(api_a, _new_case(product), "shared-key")
    theirs = _post(api_colleague, _new_case(product), "shared-key")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["number"] != theirs.json()["number"]
    assert Case.objects.count() == 2
    # A second token of the same user shares the key.
    other_token = Api(Client(), token_for(contact_a.user))
    assert _post(other_token, _new_case(product), "shared-key").content == mine.content


def test_overlong_keys_are_refused(api_a: Api, product: Any) -> None:
    error = assert_error(_post(api_a, _new_case(product), "k" * 256), 422, "validation_error")
    assert [e["loc"] for e in error["details"]["errors"]] == [["header", "Idempotency-Key"]]
    assert not Case.objects.exists()
    assert _post(api_a, _new_case(product), "k" * 255).status_code == 201


def test_an_error_is_not_kept_so_the_key_can_be_retried(api_a: Api, product: Any) -> None:
    missing = {**_new_case(product), "product": 999_999}
    assert_error(_post(api_a, missing, "retry-me"), 404, "not_found")
    assert not IdempotencyKey.objects.exists()
    assert _post(api_a, _new_case(product), "retry-me").status_code == 201


def test_keys_expire_after_24_hours(api_a: Api, product: Any) -> None:
    first = _post(api_a, _new_case(product), "daily")
    IdempotencyKey.objects.update(created_at=F("created_at") - timedelta(hours=24, seconds=1))
    second = _post(api_a, _new_case(product, severity=5), "daily")
    assert second.status_code == 201, second.content
    assert second.json()["number"] != first.json()["number"]
    assert Case.objects.count() == 2


def test_the_cleanup_job_deletes_only_expired_keys(api_a: Api, product: Any) -> None:
    _post(api_a, _new_case(product), "old")
    IdempotencyKey.objects.update(created_at=F("created_at") - timedelta(hours=25))
    _post(api_a, _new_case(product), "fresh")
    delete_expired_idempotency_keys.call_local()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_operation_documents_the_header(client: Any) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header["schema"]["anyOf"][0]["maxLength"] == 255
    assert "Idempotency-Key" in operation["description"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_open_one_case(contact_a: Any, product: Any, settings: Any) -> None:
    settings.CASEDESK_API_RATE_LIMIT = 1_000
    token = token_for(contact_a.user)
    barrier = threading.Barrier(4)
    responses: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            responses.append(_post(Api(Client(), token), _new_case(product), "storm"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert [r.status_code for r in responses] == [201] * 4, [r.content for r in responses]
    assert len({r.content for r in responses}) == 1
    assert Case.objects.count() == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 3
