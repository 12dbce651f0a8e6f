"""Who may open a case about what: designated, active contacts under an active contract."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from casedesk.core.errors import DomainError, ErrorCode
from casedesk.customers.models import Contact, Contract, Product


def contracts_in_force(contact: Contact, day: date) -> QuerySet[Contract]:
    return Contract.objects.filter(organization_id=contact.organization_id).filter(
        Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def covered_products(contact: Contact, day: date) -> QuerySet[Product]:
    contracts = contracts_in_force(contact, day).filter(standing=Contract.Standing.ACTIVE)
    return Product.objects.filter(contracts__in=contracts).distinct().order_by("name")


def check_may_open_case(contact: Contact, product: Product, day: date) -> Contract:
    if not contact.is_active or not contact.roles.exists():
        raise DomainError(
            _("Only your organization's designated contact persons can open cases."),
            code=ErrorCode.PERMISSION_DENIED,
        )
    contracts = contracts_in_force(contact, day).filter(products=product)
    contract = contracts.filter(standing=Contract.Standing.ACTIVE).first()
    if contract is not None:
        return contract
    if contracts.exists():
        raise DomainError(
            _(
                "Support for your organization is paused because of unpaid invoices. "
                "Please contact our accounts department."
            ),
            code=ErrorCode.PERMISSION_DENIED,
        )
    raise DomainError(
        _("Your organization's contract does not cover %(product)s.") % {"product": product},
        code=ErrorCode.PERMISSION_DENIED,
    )
