"""Adding webhook endpoints in the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.webhooks.models import Endpoint
from tests import factories


@pytest.fixture
def root_client(client: Client, db: None) -> Client:
    client.force_login(factories.make_agent("root@vendor.test", is_superuser=True))
    return client


@pytest.mark.parametrize("url", ["http://10.0.0.5/hooks", "http://localhost:9000/x"])
def test_a_private_address_needs_allow_private(root_client: Client, url: str) -> None:
    data = {"url": url, "description": "ERP", "active": "on"}
    response = root_client.post(reverse("admin:webhooks_endpoint_add"), data)
    assert response.status_code == 200
    assert "is not a public address" in str(response.context["adminform"].form.errors)
    assert not Endpoint.objects.exists()
    response = root_client.post(
        reverse("admin:webhooks_endpoint_add"), {**data, "allow_private": "on"}
    )
    assert response.status_code == 302


def test_a_host_name_is_judged_at_delivery(root_client: Client) -> None:
    data = {"url": "https://erp.example.com/hooks", "description": "ERP", "active": "on"}
    response = root_client.post(reverse("admin:webhooks_endpoint_add"), data)
    assert response.status_code == 302
    assert Endpoint.objects.get().url == "https://erp.example.com/hooks"
