"""API schemas for organizations, contacts, contracts and products (read-only for now)."""

from __future__ import annotations

from datetime import date

from ninja import Schema
from pydantic import Field

from casedesk.api.schemas import Id, Out, Ref, Text
from casedesk.customers.models import Contact, Contract, Organization, Product
from casedesk.customers.zones import organization_time_zone
from casedesk.sla.models import SLAPolicy


class PageParams(Schema):
    organization: Id | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class ContactParams(PageParams):
    email: Text | None = Field(None, max_length=254, description="in any letter case")
    phone: Text | None = Field(
        None, max_length=40, description="e.g. a caller ID: spaces, dashes and brackets ignored"
    )


class OrganizationParams(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class OrganizationOut(Out):
    id: int
    name: str
    country: str
    language: str
    time_zone: str
    sites: list[Ref]


class OrganizationPage(Out):
    items: list[OrganizationOut]
    next_cursor: str | None


class RoleOut(Out):
    role: str
    site: Ref | None
    product: Ref | None


class ContactOut(Out):
    id: int
    name: str
    email: str
    phone: str
    language: str
    is_active: bool
    organization: Ref
    roles: list[RoleOut]


class ContactPage(Out):
    items: list[ContactOut]
    next_cursor: str | None


class ContractOut(Out):
    id: int
    organization: Ref
    products: list[Ref]
    support_level: str
    standing: str
    valid_from: date
    valid_to: date | None
    sla_policy: Ref | None
    calendar: Ref | None = Field(
        description="The opening hours its support and SLA count in (its SLA policy's, else "
        "the default policy's): GET /calendars/{id} says whether support is open now."
    )


class ContractPage(Out):
    items: list[ContractOut]
    next_cursor: str | None


class ProductOut(Out):
    id: int
    name: str
    code: str
    docs_url: str


def _ref(obj: object | None) -> Ref | None:
    return Ref(id=obj.pk, name=str(obj.name)) if obj is not None else None  # type: ignore[attr-defined]


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=org.pk,
        name=org.name,
        country=org.country,
        language=org.language,
        time_zone=organization_time_zone(org),
        sites=[Ref(id=s.pk, name=s.name) for s in org.sites.all()],
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        is_active=contact.is_active,
        organization=Ref(id=contact.organization.pk, name=contact.organization.name),
        roles=[
            RoleOut(role=r.role, site=_ref(r.site), product=_ref(r.product))
            for r in contact.roles.all()
        ],
    )


def contract_out(contract: Contract, *, default_policy: SLAPolicy | None) -> ContractOut:
    policy = contract.sla_policy or default_policy
    return ContractOut(
        id=contract.pk,
        organization=Ref(id=contract.organization.pk, name=contract.organization.name),
        products=[Ref(id=p.pk, name=p.name) for p in contract.products.all()],
        support_level=contract.support_level,
        standing=contract.standing,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        sla_policy=_ref(contract.sla_policy),
        calendar=_ref(policy.calendar) if policy is not None else None,
    )


def product_out(product: Product) -> ProductOut:
    return ProductOut(
        id=product.pk, name=product.name, code=product.code, docs_url=product.docs_url
    )
