"""Who may open a case about what, and when: the intake decision for every channel.

Only active designated contacts of an organization whose contract in force covers the
product may open cases. Everyone else gets a polite, specific answer (never a silent drop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db.models import Exists, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casedesk.core.prepared import PreparedModelQuery, PreparedQuery
from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product, Vendor

# Channels that reach a person at the vendor; outside opening hours only 24/7 contracts
# cover them. Portal, e-mail and API requests wait in the queue like any other.
STAFFED_CHANNELS = frozenset({"phone"})
SYSTEM_DOWN = 4


class Outcome(StrEnum):
    ACCEPT = "accept"
    HOLD = "hold"
    REFUSE = "refuse"


class Reason(StrEnum):
    UNKNOWN_PERSON = "unknown_person"
    NOT_DESIGNATED = "not_designated"
    NO_CONTRACT = "no_contract"
    SUSPENDED = "suspended"
    PRODUCT_NOT_COVERED = "product_not_covered"
    AFTER_HOURS = "after_hours"
    EMERGENCY_WHILE_SUSPENDED = "emergency_while_suspended"


@dataclass(frozen=True)
class IntakeDecision:
    outcome: Outcome
    reason: Reason | None
    message: str
    contract: Contract | None = None
    accepted_for: datetime | None = None
    reference_persons: tuple[str, ...] = ()


def contracts_in_force(organization_id: int, day: date) -> QuerySet[Contract]:
    return Contract.objects.filter(organization_id=organization_id).filter(
        Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


# Every intake reads these; usually one row, rarely two (a renewal overlapping). Whether
# the requester is designated comes along, in the same round trip.
_covering_contracts = PreparedModelQuery(
    lambda organization_id, product_id, day, contact_id: (
        contracts_in_force(organization_id, day)
        .filter(products=product_id)
        .annotate(designated=Exists(ContactRole.objects.filter(contact_id=contact_id)))
        .order_by("-valid_from", "pk")
    ),
    int,
    int,
    date,
    int,
    annotations=("designated",),
)


def _covered_products(
    organization_id: int, day: date, standing: str = Contract.Standing.ACTIVE
) -> QuerySet[Product]:
    contracts = contracts_in_force(organization_id, day).filter(standing=standing)
    return Product.objects.filter(contracts__in=contracts).distinct().order_by("name")


def emergency_only_products(contact: Contact, day: date) -> QuerySet[Product]:
    """What a customer whose support is paused may still report as "system down", when the
    vendor accepts that (Vendor.allow_emergencies_when_suspended)."""
    if not Vendor.current().allow_emergencies_when_suspended:
        return Product.objects.none()
    return _covered_products(contact.organization_id, day, Contract.Standing.SUSPENDED)


def covered_products(contact: Contact, day: date) -> QuerySet[Product]:
    return _covered_products(contact.organization_id, day)


# Every case opened by e-mail names no product and takes this one (mail.routing).
_first_covered_product = PreparedModelQuery(
    lambda organization_id, day: _covered_products(organization_id, day)[:1], int, date
)


def first_covered_product(contact: Contact, day: date) -> Product | None:
    """The first by name of the products the contact's active contracts in force cover."""
    return _first_covered_product.first(contact.organization_id, day)


# Who speaks for an organization: decides on colleagues' held requests and is named to
# people who may not ask themselves.
APPROVER_ROLES = (ContactRole.Role.REFERENCE, ContactRole.Role.GENERAL)


def is_approver(contact: Contact) -> bool:
    return contact.is_active and contact.roles.filter(role__in=APPROVER_ROLES).exists()


_has_role = PreparedQuery(
    lambda contact_id: ContactRole.objects.filter(contact_id=contact_id).values_list("pk")[:1],
    int,
)


def is_designated(contact: Contact) -> bool:
    return contact.is_active and _has_role.first(contact.pk) is not None


def reference_persons(organization_id: int) -> tuple[str, ...]:
    """Names only: an outsider learns whom to ask, not how to reach them."""
    contacts = Contact.objects.filter(organization_id=organization_id, is_active=True)
    for role in APPROVER_ROLES:
        names = contacts.filter(roles__role=role).distinct().order_by("name")
        found = tuple(names.values_list("name", flat=True))
        if found:
            return found
    return ()


def _not_designated(organization_id: int) -> IntakeDecision:
    names = reference_persons(organization_id)
    if Vendor.current().hold_requests_from_non_designated:
        return IntakeDecision(
            Outcome.HOLD,
            Reason.NOT_DESIGNATED,
            _(
                "Your request is waiting for approval by one of your organization's reference "
                "persons (%(names)s). We will let you know."
            )
            % {"names": ", ".join(names) or "–"},
            reference_persons=names,
        )
    if names:
        message = _(
            "Only your organization's designated contact persons can open cases with us. "
            "Please ask one of them: %(names)s."
        ) % {"names": ", ".join(names)}
    else:
        message = _(
            "Only your organization's designated contact persons can open cases with us. "
            "Please ask your organization to name you as one."
        )
    return IntakeDecision(Outcome.REFUSE, Reason.NOT_DESIGNATED, message, reference_persons=names)


def _contract_decision(
    covering: Sequence[Contract], organization_id: int, product: Product, severity: int, day: date
) -> IntakeDecision:
    active = [c for c in covering if c.standing == Contract.Standing.ACTIVE]
    if active:
        return IntakeDecision(Outcome.ACCEPT, None, "", contract=active[0])
    if covering:
        suspended = covering[0]
        if severity == SYSTEM_DOWN and Vendor.current().allow_emergencies_when_suspended:
            return IntakeDecision(
                Outcome.ACCEPT,
                Reason.EMERGENCY_WHILE_SUSPENDED,
                intake_notice(Reason.EMERGENCY_WHILE_SUSPENDED),
                contract=suspended,
            )
        return IntakeDecision(
            Outcome.REFUSE,
            Reason.SUSPENDED,
            _(
                "Support for your organization is paused because of unpaid invoices. "
                "Please contact our accounts department; we will gladly help again once "
                "the invoices are settled."
            ),
        )
    if contracts_in_force(organization_id, day).exists():
        return IntakeDecision(
            Outcome.REFUSE,
            Reason.PRODUCT_NOT_COVERED,
            _(
                "Your organization's contract does not cover %(product)s. Please contact "
                "us if you would like to add it."
            )
            % {"product": product.name},
        )
    return IntakeDecision(
        Outcome.REFUSE,
        Reason.NO_CONTRACT,
        _(
            "We could not find a support contract in force for your organization. Please "
            "contact us about your contract."
        ),
    )


def intake_notice(reason: str) -> str:
    """What the requester must hear about a case the rule accepted with a reason, in the
    active language, or "". The decision is made in the language of whoever submitted (an
    agent on the phone, an integration): the receipt says it again in the requester's."""
    if reason == Reason.EMERGENCY_WHILE_SUSPENDED:
        return _(
            "We accept this system-down case although support is paused for unpaid "
            "invoices; please contact our accounts department."
        )
    return ""


def _after_hours(decision: IntakeDecision, channel: str, at: datetime) -> IntakeDecision:
    contract = decision.contract
    if (
        contract is None
        or channel not in STAFFED_CHANNELS
        or contract.support_level == Contract.SupportLevel.ALWAYS
    ):
        return decision
    from casedesk.sla import businesstime
    from casedesk.sla.policies import calendar_for_contract  # sla builds on customers

    calendar = calendar_for_contract(contract)
    if calendar is None or businesstime.is_open_at(calendar, at):
        return decision
    opens = businesstime.next_opening(calendar, at)
    if opens is None:
        return decision
    local = timezone.localtime(opens, calendar.zone)
    return IntakeDecision(
        Outcome.ACCEPT,
        Reason.AFTER_HOURS,
        _(
            "We are closed now. Your case is registered and we will handle it when we open: "
            "%(when)s."
        )
        % {"when": formats.date_format(local, "l DATETIME_FORMAT")},
        contract=contract,
        accepted_for=opens,
    )


def decide_intake(
    *,
    contact: Contact | None,
    product: Product,
    severity: int,
    channel: str,
    at: datetime,
    organization: Organization | None = None,
    approved: bool = False,
) -> IntakeDecision:
    """The one intake rule for portal, e-mail, phone and API.

    `organization` names the organization of an unknown person when a channel can tell
    (e.g. by e-mail domain); `approved` is set when a reference person approved the request.
    """
    if contact is None:
        names = reference_persons(organization.pk) if organization else ()
        return IntakeDecision(
            Outcome.REFUSE,
            Reason.UNKNOWN_PERSON,
            _(
                "We could not find you among our customers' contact persons. Please ask your "
                "organization's reference person to contact us%(names)s."
            )
            % {"names": f" ({', '.join(names)})" if names else ""},
            reference_persons=names,
        )
    day = timezone.localdate(at)
    rows = _covering_contracts.annotated(contact.organization_id, product.pk, day, contact.pk)
    covering = [contract for contract, _ in rows]
    decision = _contract_decision(covering, contact.organization_id, product, severity, day)
    if decision.outcome == Outcome.REFUSE:
        return decision
    # The rows say whether the contact holds a role (is_designated, without another query).
    designated = contact.is_active and bool(rows[0][1][0])
    if not approved and not designated:
        return _not_designated(contact.organization_id)
    return _after_hours(decision, channel, at)


def explain_no_products(contact: Contact, day: date) -> str:
    """Why a contact has nothing to open a case about: paused support or no contract."""
    in_force = contracts_in_force(contact.organization_id, day)
    if in_force.filter(standing=Contract.Standing.SUSPENDED).exists():
        return _(
            "Support for your organization is paused because of unpaid invoices. "
            "Please contact our accounts department; we will gladly help again once "
            "the invoices are settled."
        )
    return _(
        "We could not find a support contract in force for your organization. Please "
        "contact us about your contract."
    )
