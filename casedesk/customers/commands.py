"""`casedesk contact-login`: a portal login for an existing contact."""

from __future__ import annotations

import sys

from django.db.models.functions import Lower

from casedesk.core.errors import DomainError
from casedesk.customers.actions import do_create_contact_login
from casedesk.customers.models import Contact


def create_contact_login(*, email: str) -> int:
    address = email.strip().lower()
    contact = Contact.objects.alias(email_lower=Lower("email")).filter(email_lower=address).first()
    if contact is None:
        print(f"casedesk contact-login: no contact with the e-mail {email}", file=sys.stderr)
        return 1
    try:
        user = do_create_contact_login(actor=None, contact=contact)
    except DomainError as error:
        print(f"casedesk contact-login: {error.message}", file=sys.stderr)
        return 1
    print(
        f"Login created for {user.email} (time zone {user.time_zone}); "
        "they choose a password with “Forgot your password?” on the sign-in page."
    )
    return 0
