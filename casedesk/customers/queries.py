"""Reads about customers and people that other domains share."""

from __future__ import annotations

from django.db.models.functions import Lower

from casedesk.accounts.models import User
from casedesk.customers.models import Contact


def contact_by_email(address: str) -> Contact | None:
    """The contact with this address in any letter case, with their organization. Compares
    LOWER(email), the expression of the unique index, so the lookup is one index seek (a
    case-insensitive LIKE would read every contact)."""
    if not address:
        return None
    return (
        Contact.objects.select_related("organization")
        .alias(email_lower=Lower("email"))
        .filter(email_lower=address.lower())
        .first()
    )


def agent_by_email(address: str) -> User | None:
    if not address:
        return None
    return (
        User.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=address.lower(), is_staff=True, is_active=True)
        .first()
    )
