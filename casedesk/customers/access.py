"""The only way views and the API reach customer objects; isolation lives here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core import configcache
from casedesk.core.errors import NotFound, PermissionDenied
from casedesk.customers.models import Contact, Organization, Product


def contact_for_user(user: User) -> Contact | None:
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        contact: Contact = user.contact
    except Contact.DoesNotExist:
        return None
    return contact if contact.is_active else None


def require_contact(user: User) -> Contact:
    contact = contact_for_user(user)
    if contact is None:
        raise PermissionDenied(
            _("This page is for the contact persons of our customers. Please sign in as one.")
        )
    return contact


def require_agent(user: User) -> User:
    if not (user.is_authenticated and user.is_agent):
        raise PermissionDenied(_("This page is for the support team."))
    return user


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    if user.is_authenticated and user.is_agent:
        return Organization.objects.all()
    contact = contact_for_user(user)
    if contact is None:
        return Organization.objects.none()
    return Organization.objects.filter(pk=contact.organization_id)


def access_product(*, user: User, product_id: int) -> Product:
    if not user.is_authenticated:
        raise NotFound(_("No such product."))
    # Shared between callers through the configuration cache: read, never change.
    product = configcache.cached(
        ("product", product_id), lambda: Product.objects.filter(pk=product_id).first()
    )
    if product is None:
        raise NotFound(_("No such product."))
    return product
