"""A vendor setting up customers in the admin: invalid configuration is refused in words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product, Site
from tests import factories


@pytest.fixture
def root_client(client: Client, db: None) -> Client:
    client.force_login(factories.make_agent("root@vendor.test", is_superuser=True))
    return client


def _inline(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _add_contact(client: Client, org: Organization, roles: list[dict[str, Any]]) -> Any:
    data = {
        "organization": org.pk,
        "name": "Søren Hansen",
        "email": "soren@hansen.test",
        "language": "da",
        "is_active": "on",
        **_inline("roles", roles),
    }
    return client.post(reverse("admin:customers_contact_add"), data)


def _errors(response: Any) -> str:
    assert response.status_code == 200, response.get("Location")
    return " ".join(
        str(error)
        for formset in response.context["inline_admin_formsets"]
        for error in formset.formset.errors
    ) + str(response.context["adminform"].form.errors)


@pytest.fixture
def orgs(product: Product, other_product: Product) -> tuple[Organization, Organization]:
    own = factories.make_organization("Hansen Revision", products=[product])
    other = factories.make_organization("Nordisk Hospital", products=[product, other_product])
    Site.objects.create(organization=own, name="Aarhus")
    Site.objects.create(organization=other, name="Hovedhus")
    return own, other


def test_a_reference_person_for_another_organizations_site_is_refused(
    root_client: Client, orgs: tuple[Organization, Organization]
) -> None:
    own, other = orgs
    foreign = Site.objects.get(organization=other)
    response = _add_contact(root_client, own, [{"role": "reference", "site": foreign.pk}])
    assert "belongs to another organization" in _errors(response)
    assert not Contact.objects.exists()


def test_a_responsible_person_for_a_product_outside_the_contracts_is_refused(
    root_client: Client, orgs: tuple[Organization, Organization], other_product: Product
) -> None:
    own, _other = orgs
    roles = [{"role": "responsible", "product": other_product.pk}]
    response = _add_contact(root_client, own, roles)
    assert "has no contract covering Booking" in _errors(response)
    assert not Contact.objects.exists()


def test_a_reference_person_without_a_site_is_told_so_in_words(
    root_client: Client, orgs: tuple[Organization, Organization]
) -> None:
    own, _other = orgs
    errors = _errors(_add_contact(root_client, own, [{"role": "reference"}]))
    assert "choose the site" in errors
    assert "Constraint" not in errors


def test_valid_roles_are_saved(
    root_client: Client, orgs: tuple[Organization, Organization], product: Product
) -> None:
    own, _other = orgs
    site = Site.objects.get(organization=own)
    response = _add_contact(
        root_client,
        own,
        [
            {"role": "reference", "site": site.pk},
            {"role": "general"},
            {"role": "responsible", "product": product.pk},
        ],
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert set(contact.roles.values_list("role", flat=True)) == {
        "reference",
        "general",
        "responsible",
    }
    # Editing the contact again (roles unchanged) is accepted too.
    role = ContactRole.objects.get(role="responsible")
    role.full_clean()


def test_a_contract_ending_before_it_starts_is_told_so_in_words(
    root_client: Client, product: Product
) -> None:
    org = Organization.objects.create(name="Skyldner", country="DK")
    data = {
        "organization": org.pk,
        "products": [product.pk],
        "support_level": "standard",
        "valid_from": "2026-01-01",
        "valid_to": "2025-12-31",
        "standing": "active",
    }
    response = root_client.post(reverse("admin:customers_contract_add"), data)
    errors = _errors(response)
    assert "cannot end before it starts" in errors
    assert "Constraint" not in errors
    assert not Contract.objects.exists()


def _messages(response: Any) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_admin_gives_contacts_a_portal_login(root_client: Client, product: Product) -> None:
    org = factories.make_organization("Hansen Revision", products=[product], language="da")
    contact = factories.make_contact(org, email="soren@hansen.test", language="da", login=False)
    changelist = reverse("admin:customers_contact_changelist")
    data = {"action": "create_portal_login", "_selected_action": [contact.pk]}
    response = root_client.post(changelist, data, follow=True)
    assert "soren@hansen.test can now sign in" in _messages(response)
    contact.refresh_from_db()
    assert contact.user is not None
    assert contact.user.language == "da"
    # Again: refused politely, not a second user.
    response = root_client.post(changelist, data, follow=True)
    assert "already has a login" in _messages(response)


def test_a_misspelt_organization_time_zone_is_refused(root_client: Client) -> None:
    data = {
        "name": "Hansen Revision",
        "country": "DK",
        "language": "da",
        "time_zone": "Europe/Kopenhagen",
        **_inline("sites", []),
        **_inline("contracts", []),
    }
    response = root_client.post(reverse("admin:customers_organization_add"), data)
    assert "Unknown time zone Europe/Kopenhagen" in _errors(response)
    data["time_zone"] = ""
    response = root_client.post(reverse("admin:customers_organization_add"), data)
    assert response.status_code == 302


def test_a_misspelt_agent_time_zone_is_refused(root_client: Client) -> None:
    agent = factories.make_agent("mette@vendor.test")
    data = {
        "email": agent.email,
        "full_name": "Mette",
        "language": "da",
        "time_zone": "Europe/Kopenhagen",
        "is_active": "on",
        "is_staff": "on",
    }
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    response = root_client.post(url, data)
    assert "Unknown time zone Europe/Kopenhagen" in _errors(response)
    data["time_zone"] = "Europe/Copenhagen"
    assert root_client.post(url, data).status_code == 302
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Copenhagen"
