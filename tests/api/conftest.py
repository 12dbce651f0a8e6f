"""API test helpers: real tokens, real HTTP through Django's test client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from casedesk.accounts.models import User
from casedesk.api.actions import do_create_api_token


class Api:
    """A client that speaks JSON with a bearer token."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers())

    def send(self, method: str, path: str, body: Any = None) -> Any:
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self._headers(),
        )

    def post(self, path: str, body: Any = None) -> Any:
        return self.send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.send("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.send("put", path, body)

    def multipart(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, headers=self._headers())


def token_for(user: User, scope: str = "write", **extra: Any) -> str:
    return do_create_api_token(actor=None, owner=user, name="test", scope=scope, **extra).plaintext


@pytest.fixture
def api_as() -> Callable[..., Api]:
    def make(user: User | None, scope: str = "write") -> Api:
        return Api(Client(), token_for(user, scope) if user is not None else None)

    return make


@pytest.fixture
def agent_api(agent: Any, api_as: Callable[..., Api]) -> Api:
    return api_as(agent)


@pytest.fixture
def api_a(contact_a: Any, api_as: Callable[..., Api]) -> Api:
    return api_as(contact_a.user)


@pytest.fixture
def api_b(contact_b: Any, api_as: Callable[..., Api]) -> Api:
    return api_as(contact_b.user)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    if code is not None:
        assert body["error"]["code"] == code, body
    assert "Traceback" not in response.content.decode()
    error: dict[str, Any] = body["error"]
    return error
