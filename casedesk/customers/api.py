"""Organizations, contacts and contracts over the API: for agents and service accounts.
Products: everyone (a contact sees the products their contract covers today)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from casedesk.accounts.models import User
from casedesk.api.access import (
    access_contact,
    access_contract,
    access_organization,
    contacts_visible_to,
    contracts_visible_to,
)
from casedesk.api.auth import api_user
from casedesk.api.params import check_keys, field_names
from casedesk.api.schemas import AGENT, PathId, described, responses
from casedesk.core import clock
from casedesk.core.keyset import paginate
from casedesk.customers.access import organizations_visible_to, require_agent, require_contact
from casedesk.customers.entitlement import covered_products
from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product, Site
from casedesk.customers.queries import contacts_by_email, contacts_by_phone
from casedesk.customers.schemas import (
    ContactOut,
    ContactPage,
    ContactParams,
    ContractOut,
    ContractPage,
    OrganizationOut,
    OrganizationPage,
    OrganizationParams,
    PageParams,
    ProductOut,
    contact_out,
    contract_out,
    organization_out,
    product_out,
)
from casedesk.sla.policies import default_policy

router = Router(tags=["customers"])


def _agent(request: HttpRequest, params: type | None = None) -> User:
    user = require_agent(api_user(request))
    if params is not None:
        check_keys(request.GET, source="query", allowed=field_names(params))
    return user


def _organizations(user: User) -> QuerySet[Organization]:
    return organizations_visible_to(user).prefetch_related(
        Prefetch("sites", queryset=Site.objects.order_by("name", "id"))
    )


def _contacts(user: User) -> QuerySet[Contact]:
    roles = ContactRole.objects.select_related("site", "product").order_by("id")
    return (
        contacts_visible_to(user)
        .select_related("organization")
        .prefetch_related(Prefetch("roles", queryset=roles))
    )


def _contracts(user: User) -> QuerySet[Contract]:
    return (
        contracts_visible_to(user)
        .select_related("organization", "sla_policy__calendar")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
    )


@router.get(
    "/organizations",
    response=responses({200: OrganizationPage}),
    url_name="orgs",
    summary="List customer organizations with their sites (agents)",
    description=described(
        "By name, one page at a time (`cursor`, `limit`).",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts.",
    ),
)
def list_organizations(request: HttpRequest, params: Query[OrganizationParams]) -> OrganizationPage:
    user = _agent(request, OrganizationParams)
    page = paginate(
        _organizations(user), ordering=("name", "id"), cursor=params.cursor, size=params.limit
    )
    return OrganizationPage(
        items=[organization_out(o) for o in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/organizations/{organization_id}",
    response=responses({200: OrganizationOut}),
    url_name="org",
    summary="Get an organization with its sites (agents)",
    description=described(
        "One customer organization.",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts; 404 `not_found`.",
    ),
)
def get_organization(request: HttpRequest, organization_id: PathId) -> OrganizationOut:
    user = _agent(request)
    return organization_out(access_organization(user=user, organization_id=organization_id))


@router.get(
    "/contacts",
    response=responses({200: ContactPage}),
    url_name="contacts",
    summary="Find contacts by organization, e-mail or phone (agents)",
    description=described(
        "`phone` finds a caller by number (e.g. a caller ID), `email` by address; each "
        "contact comes with their roles.",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts; 422 `validation_error` for an unknown "
        "parameter.",
    ),
)
def list_contacts(request: HttpRequest, params: Query[ContactParams]) -> ContactPage:
    user = _agent(request, ContactParams)
    contacts = _contacts(user)
    if params.organization:
        contacts = contacts.filter(organization_id=params.organization)
    if params.email:
        contacts = contacts_by_email(contacts, params.email)
    if params.phone:
        contacts = contacts_by_phone(contacts, params.phone)
    page = paginate(contacts, ordering=("name", "id"), cursor=params.cursor, size=params.limit)
    return ContactPage(items=[contact_out(c) for c in page.items], next_cursor=page.next_cursor)


@router.get(
    "/contacts/{contact_id}",
    response=responses({200: ContactOut}),
    url_name="contact",
    summary="Get a contact with their roles (agents)",
    description=described(
        "One contact person, their organization and roles.",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts; 404 `not_found`.",
    ),
)
def get_contact(request: HttpRequest, contact_id: PathId) -> ContactOut:
    user = _agent(request)
    access_contact(user=user, contact_id=contact_id)
    return contact_out(_contacts(user).get(pk=contact_id))


@router.get(
    "/contracts",
    response=responses({200: ContractPage}),
    url_name="contracts",
    summary="List support contracts (agents)",
    description=described(
        "Newest first, with products, standing, SLA policy and the calendar their support "
        "keeps; filter by `organization`.",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts.",
    ),
)
def list_contracts(request: HttpRequest, params: Query[PageParams]) -> ContractPage:
    user = _agent(request, PageParams)
    contracts = _contracts(user)
    if params.organization:
        contracts = contracts.filter(organization_id=params.organization)
    page = paginate(contracts, ordering=("-id",), cursor=params.cursor, size=params.limit)
    default = default_policy()
    return ContractPage(
        items=[contract_out(c, default_policy=default) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/contracts/{contract_id}",
    response=responses({200: ContractOut}),
    url_name="contract",
    summary="Get a support contract (agents)",
    description=described(
        "One contract, with the calendar its support keeps.",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts; 404 `not_found`.",
    ),
)
def get_contract(request: HttpRequest, contract_id: PathId) -> ContractOut:
    user = _agent(request)
    access_contract(user=user, contract_id=contract_id)
    return contract_out(_contracts(user).get(pk=contract_id), default_policy=default_policy())


@router.get(
    "/products",
    response=responses({200: list[ProductOut]}),
    url_name="products",
    summary="List the products cases can be about",
    description=described(
        "Agents get every product; contacts the products their organization's contracts "
        "cover today.",
        who=f"{AGENT} and contacts",
        scope="read",
    ),
)
def list_products(request: HttpRequest) -> list[ProductOut]:
    user = api_user(request)
    check_keys(request.GET, source="query", allowed=())
    if user.is_agent:
        products = Product.objects.order_by("name")
    else:
        products = covered_products(require_contact(user), clock.now().date())
    return [product_out(p) for p in products[:1000]]
