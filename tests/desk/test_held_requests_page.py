"""The desk's list of held requests: agents see who waits for whose approval."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Category, Channel, HeldRequest, Severity
from casedesk.customers.models import ContactRole, Site, Vendor
from tests import factories

pytestmark = pytest.mark.django_db


def _held(org: Any, product: Any, subject: str) -> HeldRequest:
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    colleague = factories.make_contact(org)
    colleague.roles.all().delete()
    held = actions.do_submit_request(
        actor=None,
        requester=colleague,
        product=product,
        subject=subject,
        description="Line one\nLine two",
        category=Category.PROBLEM,
        severity=Severity.FAULT,
        channel=Channel.EMAIL,
    )
    assert isinstance(held, HeldRequest)
    return held


def test_agents_see_waiting_requests_and_who_decides(
    client: Client, agent: Any, org_a: Any, org_b: Any, contact_a: Any, contact_b: Any, product: Any
) -> None:
    reference = factories.make_contact(org_b)
    reference.roles.update(
        role=ContactRole.Role.REFERENCE, site=Site.objects.create(organization=org_b, name="Main")
    )
    _held(org_a, product, "Printer on floor 2")
    _held(org_b, product, "Export to <b>payroll</b>")
    client.force_login(agent)
    page = client.get(reverse("desk:held_requests")).content.decode()
    assert "Printer on floor 2" in page
    assert "Export to &lt;b&gt;payroll&lt;/b&gt;" in page  # escaped
    assert contact_a.name in page  # org A has no reference person: its general contact
    assert reference.name in page  # org B's reference person, not its general contact
    assert contact_b.name not in page
    assert "Line one<br>Line two" in page


def test_the_list_filters_by_state_and_pages(
    client: Client, agent: Any, org_a: Any, contact_a: Any, product: Any
) -> None:
    waiting = [_held(org_a, product, f"Waiting {i}") for i in range(3)]
    actions.do_reject_held_request(actor=contact_a.user, held=waiting[0])
    client.force_login(agent)
    pending = client.get(reverse("desk:held_requests")).content.decode()
    assert "Waiting 0" not in pending
    assert "Waiting 1" in pending
    rejected = client.get(reverse("desk:held_requests"), {"state": "rejected"}).content.decode()
    assert "Waiting 0" in rejected
    assert "Waiting 1" not in rejected
    every = client.get(reverse("desk:held_requests"), {"state": "all"}).content.decode()
    assert all(f"Waiting {i}" in every for i in range(3))
    # An unknown state shows the waiting ones; a tampered cursor is a clear error, not a 500.
    assert "Waiting 1" in client.get(reverse("desk:held_requests"), {"state": "x"}).content.decode()
    assert client.get(reverse("desk:held_requests"), {"after": "nonsense"}).status_code == 422


def test_the_query_count_does_not_grow_with_the_requests(
    client: Client, agent: Any, org_a: Any, org_b: Any, contact_a: Any, contact_b: Any, product: Any
) -> None:
    client.force_login(agent)
    _held(org_a, product, "First")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("desk:held_requests"))
    for i in range(4):
        _held(org_b if i % 2 else org_a, product, f"More {i}")
    with CaptureQueriesContext(connection) as five:
        assert "More 3" in client.get(reverse("desk:held_requests")).content.decode()
    assert len(five) == len(one)


def test_customers_are_told_the_page_is_for_the_support_team(
    client: Client, contact_a: Any, org_a: Any, product: Any
) -> None:
    _held(org_a, product, "Secret")
    client.force_login(contact_a.user)
    response = client.get(reverse("desk:held_requests"))
    assert response.status_code == 403
    assert "Secret" not in response.content.decode()


def test_the_query_count_does_not_grow_with_approved_requests(
    client: Client, agent: Any, org_a: Any, contact_a: Any, product: Any
) -> None:
    # Approved requests link their case: that case must come with the page's one query.
    client.force_login(agent)
    actions.do_approve_held_request(actor=contact_a.user, held=_held(org_a, product, "First"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("desk:held_requests"), {"state": "approved"})
    for i in range(4):
        actions.do_approve_held_request(
            actor=contact_a.user, held=_held(org_a, product, f"More {i}")
        )
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("desk:held_requests"), {"state": "approved"}).content.decode()
    assert "More 3" in page
    assert len(five) == len(one)
