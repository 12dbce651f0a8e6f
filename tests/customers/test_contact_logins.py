"""A contact's login reads times in their organization's zone, not the vendor's by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.accounts.models import User
from casedesk.cli import main
from casedesk.core.errors import DomainError
from casedesk.customers.actions import do_create_contact_login
from casedesk.customers.models import Contact, ContactRole, Organization
from tests import factories
from tests.api.conftest import Api, token_for


def _contact_of(country: str, time_zone: str = "", email: str = "pat@customer.test") -> Contact:
    org = Organization.objects.create(
        name=f"Org in {country} {time_zone}", country=country, time_zone=time_zone
    )
    contact = Contact.objects.create(organization=org, name="Pat", email=email, language="sv")
    ContactRole.objects.create(contact=contact, role=ContactRole.Role.GENERAL)
    return contact


@pytest.mark.parametrize(
    ("country", "own", "expected"),
    [
        ("GB", "", "Europe/London"),
        ("SE", "", "Europe/Stockholm"),
        ("NL", "", "Europe/Amsterdam"),
        ("IE", "", "Europe/Dublin"),
        ("de", "", "Europe/Berlin"),
        # The organization's own zone wins over its country's.
        ("NO", "America/New_York", "America/New_York"),
        # A country outside the mapping, or a zone zoneinfo does not know: the vendor's.
        ("US", "", "Europe/Helsinki"),
        ("GB", "Mars/Olympus", "Europe/London"),
    ],
)
def test_contact_login_takes_the_organizations_zone(
    db: None, settings: Any, country: str, own: str, expected: str
) -> None:
    settings.TIME_ZONE = "Europe/Helsinki"
    contact = _contact_of(country, own)
    user = do_create_contact_login(actor=None, contact=contact)
    assert user.time_zone == expected
    assert (user.language, user.full_name, user.email) == ("sv", "Pat", "pat@customer.test")
    contact.refresh_from_db()
    assert contact.user == user


def test_cli_creates_the_login_in_the_organizations_zone(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    contact = _contact_of("GB", email="Pat@London.test")
    assert main(["contact-login", "--email", "pat@london.TEST"]) == 0
    assert "Europe/London" in capsys.readouterr().out
    contact.refresh_from_db()
    assert contact.user is not None
    assert contact.user.time_zone == "Europe/London"
    assert contact.user.has_usable_password()  # so "Forgot your password?" can reach them
    # A second login for the same contact is refused, and nothing else changes.
    assert main(["contact-login", "--email", "pat@london.test"]) == 1
    assert "already has a login" in capsys.readouterr().err
    assert User.objects.count() == 1
    assert main(["contact-login", "--email", "nobody@london.test"]) == 1


def test_only_agents_create_logins(db: None, product: Any) -> None:
    org = factories.make_organization("Org A", products=[product])
    colleague = factories.make_contact(org)
    contact = _contact_of("GB")
    with pytest.raises(DomainError):
        do_create_contact_login(actor=colleague.user, contact=contact)
    assert do_create_contact_login(actor=factories.make_agent(), contact=contact).pk


def test_portal_pages_use_the_new_logins_zone(db: None, client: Client) -> None:
    user = do_create_contact_login(actor=None, contact=_contact_of("GB"))
    client.force_login(user)
    response = client.get(reverse("portal:cases"))
    assert response.status_code == 200
    assert str(response.context["TIME_ZONE"]) == "Europe/London"


def test_organization_without_a_zone_is_in_its_countrys_zone_in_the_api(
    agent: Any, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Oslo"
    org = Organization.objects.create(name="London Ltd", country="GB")
    api = Api(Client(), token_for(agent))
    body = api.get(f"/organizations/{org.pk}").json()
    assert body["time_zone"] == "Europe/London"
