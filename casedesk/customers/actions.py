"""Writes about customers: logins for contacts."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core.errors import DomainError, ErrorCode, PermissionDenied
from casedesk.customers.models import Contact
from casedesk.customers.zones import organization_time_zone


def do_create_contact_login(*, actor: User | None, contact: Contact) -> User:
    """Give a contact a portal login in their own language and their organization's zone.

    `actor` is None for operations (the CLI). The password is random and never shown: the
    contact chooses their own with "Forgot your password?", which needs a usable password.
    """
    if actor is not None and not actor.is_agent:
        raise PermissionDenied(_("Only the support team can create logins."))
    with transaction.atomic(durable=True):
        contact = (
            Contact.objects.select_for_update().select_related("organization").get(pk=contact.pk)
        )
        if contact.user_id is not None:
            raise DomainError(_("This contact already has a login."), code=ErrorCode.CONFLICT)
        address = contact.email.strip().lower()
        taken = User.objects.alias(email_lower=Lower("email")).filter(email_lower=address)
        if taken.exists():
            raise DomainError(
                _("Someone already signs in with %(email)s.") % {"email": contact.email},
                code=ErrorCode.CONFLICT,
            )
        user = User.objects.create_user(
            address,
            secrets.token_urlsafe(32),
            full_name=contact.name,
            language=contact.language,
            time_zone=organization_time_zone(contact.organization),
        )
        contact.user = user
        contact.save(update_fields=["user"])
    return user
