"""Permission-scoped getters for API tokens, and for customer objects the API refers to by id
(built on casedesk.customers.access, so isolation still rests on organizations_visible_to)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.api.models import ApiToken
from casedesk.core.errors import DomainError, ErrorCode, NotFound
from casedesk.customers.access import organizations_visible_to
from casedesk.customers.models import Contact, Contract, Organization, Site


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """Everyone sees only their own tokens (operators use the admin for the rest)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(owner_id=user.pk)


def access_api_token(*, user: User, token_id: int) -> ApiToken:
    token = tokens_visible_to(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("The token was not found."))
    return token


def access_agent(*, user: User, agent_id: int) -> User:
    """An agent to assign work to; only agents may look agents up."""
    agent = (
        User.objects.filter(pk=agent_id, is_staff=True, is_active=True).first()
        if user.is_authenticated and user.is_agent
        else None
    )
    if agent is None:
        raise DomainError(_("There is no such agent."), code=ErrorCode.INVALID_INPUT)
    return agent


def access_organization(*, user: User, organization_id: int) -> Organization:
    organization = organizations_visible_to(user).filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(_("The organization was not found."))
    return organization


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(organization__in=organizations_visible_to(user))


def access_contact(*, user: User, contact_id: int) -> Contact:
    contact = contacts_visible_to(user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("The contact was not found."))
    return contact


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    return Contract.objects.filter(organization__in=organizations_visible_to(user))


def access_contract(*, user: User, contract_id: int) -> Contract:
    contract = contracts_visible_to(user).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound(_("The contract was not found."))
    return contract


def access_site(*, user: User, site_id: int) -> Site:
    site = Site.objects.filter(organization__in=organizations_visible_to(user), pk=site_id).first()
    if site is None:
        raise DomainError(_("Unknown site."), code=ErrorCode.INVALID_INPUT)
    return site
