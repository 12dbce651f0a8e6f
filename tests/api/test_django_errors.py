"""Errors Django answers itself (CSRF, its 400/403/404/500 handlers) have the API's JSON
error shape under /api/, and stay the site's HTML pages elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import assert_error


def _is_html(response: Any) -> bool:
    return response["Content-Type"].startswith("text/html")


def test_a_csrf_failure_under_the_api_is_json(agent: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        error = assert_error(client.post(path, {}), 403, "csrf_failed")
        assert "Bearer" in error["message"]


def test_a_csrf_failure_on_a_page_is_still_the_html_page(agent: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post("/logout/")
    assert response.status_code == 403
    assert _is_html(response)


@pytest.fixture
def failing_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.api.urls_failing"


def test_django_handlers_answer_json_under_the_api(failing_urls: None, db: None) -> None:
    client = Client(raise_request_exception=False)
    assert_error(client.get("/api/v1/_test/forbidden"), 403, "permission_denied")
    assert_error(client.get("/api/v1/_test/missing"), 404, "not_found")
    error = assert_error(client.get("/api/v1/_test/broken"), 500, "server_error")
    assert "boom" not in error["message"]
    # Outside /api/v1/ (but under /api/): still the API's shape.
    assert_error(client.get("/api/v2/cases"), 404, "not_found")
    assert_error(client.get("/api/v1/cases", headers={"host": "evil.test"}), 400, "bad_request")


def test_django_handlers_keep_html_pages_elsewhere(failing_urls: None, db: None) -> None:
    client = Client(raise_request_exception=False)
    assert _is_html(missing := client.get("/no/such/page/"))
    assert missing.status_code == 404
    broken = client.get("/desk/_test/broken")
    assert (broken.status_code, _is_html(broken)) == (500, True)
    bad_host = client.get("/login/", headers={"host": "evil.test"})
    assert (bad_host.status_code, _is_html(bad_host)) == (400, True)
