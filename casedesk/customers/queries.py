"""Reads about customers and people that other domains share."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Lower

from casedesk.accounts.models import User
from casedesk.core.prepared import PreparedModelQuery
from casedesk.customers.models import PHONE_SEPARATORS, Contact, Organization

# Every inbound mail and phone call looks its sender up: prepared, and compared by
# LOWER(email), the expression of the unique index, so each lookup is one index seek (a
# case-insensitive LIKE would read every contact).
_contact = PreparedModelQuery(
    lambda address: Contact.objects.alias(email_lower=Lower("email")).filter(email_lower=address),
    str,
)
_organization = PreparedModelQuery(lambda pk: Organization.objects.filter(pk=pk), int)
_agent = PreparedModelQuery(
    lambda address: User.objects.alias(email_lower=Lower("email")).filter(
        email_lower=address, is_staff=True, is_active=True
    ),
    str,
)


def contact_by_email(address: str) -> Contact | None:
    """The contact with this address in any letter case, with their organization."""
    if not address:
        return None
    contact = _contact.first(address.lower())
    if contact is not None:
        contact.organization = _organization.all(contact.organization_id)[0]
    return contact


def approvers_by_organization(organization_ids: set[int]) -> dict[int, list[str]]:
    """The names of those who decide held requests, per organization, in one query: the
    reference persons, or the general contacts where an organization has none (the rule of
    entitlement.reference_persons)."""
    from casedesk.customers.entitlement import APPROVER_ROLES

    found: dict[int, dict[str, set[str]]] = {}
    rows = (
        Contact.objects.filter(
            organization_id__in=organization_ids, is_active=True, roles__role__in=APPROVER_ROLES
        )
        .values_list("organization_id", "roles__role", "name")
        .distinct()
    )
    for organization_id, role, name in rows:
        found.setdefault(organization_id, {}).setdefault(role, set()).add(name)
    return {
        organization_id: sorted(next((roles[r] for r in APPROVER_ROLES if r in roles), set()))
        for organization_id, roles in found.items()
    }


def agent_by_email(address: str) -> User | None:
    return _agent.first(address.lower()) if address else None


def contacts_by_phone(contacts: QuerySet[Contact], number: str) -> QuerySet[Contact]:
    """Contacts whose phone is this number however either is written (spaces, dashes,
    brackets): the phone line's caller ID against what the vendor typed in."""
    for separator in PHONE_SEPARATORS:
        number = number.replace(separator, "")
    return contacts.filter(phone_key=number)


def contacts_by_email(contacts: QuerySet[Contact], address: str) -> QuerySet[Contact]:
    return contacts.alias(email_lower=Lower("email")).filter(email_lower=address.strip().lower())
