"""Small builders for test data; the shared personas are in conftest.py."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from casedesk.accounts.models import User
from casedesk.cases import actions
from casedesk.cases.attachments import Upload
from casedesk.cases.models import Case, Category, Channel, Severity
from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product

_seq = itertools.count(1)
OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args: int) -> datetime:
    """A wall-clock time in Oslo, e.g. oslo(2026, 3, 9, 8, 0)."""
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_agent(email: str | None = None, **extra: object) -> User:
    return User.objects.create_user(
        email or f"agent{next(_seq)}@vendor.test", "pw", is_staff=True, full_name="Agent", **extra
    )


def make_product(name: str | None = None) -> Product:
    n = next(_seq)
    return Product.objects.create(name=name or f"Product {n}", code=f"p{n}")


def make_organization(
    name: str | None = None,
    *,
    products: list[Product],
    standing: str = "active",
    language: str = "en",
) -> Organization:
    org = Organization.objects.create(
        name=name or f"Org {next(_seq)}", country="NO", language=language
    )
    contract = Contract.objects.create(
        organization=org, valid_from=date(2020, 1, 1), standing=standing
    )
    contract.products.set(products)
    return org


def make_contact(
    org: Organization,
    *,
    email: str | None = None,
    language: str = "en",
    role: str = ContactRole.Role.GENERAL,
    login: bool = True,
) -> Contact:
    email = email or f"contact{next(_seq)}@customer.test"
    name = f"Person {next(_seq)}"
    user = (
        User.objects.create_user(email, "pw", full_name=name, language=language) if login else None
    )
    contact = Contact.objects.create(
        organization=org, user=user, name=name, email=email, language=language
    )
    ContactRole.objects.create(contact=contact, role=role)
    return contact


def png_upload(name: str = "screen.png") -> Upload:
    return Upload(filename=name, content=io.BytesIO(PNG_BYTES), size=len(PNG_BYTES))


def make_case(
    contact: Contact,
    product: Product,
    *,
    subject: str = "Printing fails",
    severity: int = Severity.FAULT,
    uploads: list[Upload] | None = None,
    channel: str = Channel.PORTAL,
) -> Case:
    assert contact.user is not None
    return actions.do_create_case(
        # An e-mail opens a case with no logged-in actor, as the mail pipeline does.
        actor=None if channel == Channel.EMAIL else contact.user,
        requester=contact,
        product=product,
        subject=subject,
        description="It fails every time.",
        category=Category.PROBLEM,
        severity=severity,
        channel=channel,
        uploads=uploads or [],
    )
