"""Permission-scoped getters for cases; a contact never reaches another organization's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases.models import Attachment, Case, HeldRequest, Message
from casedesk.core.errors import NotFound
from casedesk.customers.access import contact_for_user
from casedesk.customers.entitlement import is_approver, is_designated
from casedesk.customers.models import Contact


def contact_on_case(contact: Contact, case: Case) -> bool:
    """`cases_visible_to` for one contact and one case in hand: for channels that know the
    person without a login (e-mail), so they reach no more than the portal shows them."""
    return (
        contact.is_active
        and contact.organization_id == case.organization_id
        and (case.requester_id == contact.pk or is_designated(contact))
    )


@dataclass(frozen=True)
class CaseScope:
    """Which cases a user sees: a kind of rule and the ids it takes. Apart, so that a query
    prepared once per kind (cases.listing) applies the same rule as every other read."""

    kind: Literal["all", "none", "organization", "requester"]
    ids: tuple[int, ...] = ()


def case_scope(user: User) -> CaseScope:
    if user.is_authenticated and user.is_agent:
        return CaseScope("all")
    contact = contact_for_user(user)
    if contact is None:
        return CaseScope("none")
    if not is_designated(contact):
        # Colleagues who are not designated contacts see only their own (approved) cases.
        return CaseScope("requester", (contact.organization_id, contact.pk))
    return CaseScope("organization", (contact.organization_id,))


def scoped_cases(kind: str, *ids: int) -> QuerySet[Case]:
    """The cases a CaseScope of this kind and these ids allows."""
    if kind == "all":
        return Case.objects.all()
    if kind == "organization":
        (organization_id,) = ids
        return Case.objects.filter(organization_id=organization_id)
    if kind == "requester":
        organization_id, contact_id = ids
        return Case.objects.filter(organization_id=organization_id, requester_id=contact_id)
    return Case.objects.none()


def cases_visible_to(user: User) -> QuerySet[Case]:
    scope = case_scope(user)
    return scoped_cases(scope.kind, *scope.ids)


def messages_visible_to(user: User, case: Case) -> QuerySet[Message]:
    messages = Message.objects.filter(case=case)
    if not (user.is_authenticated and user.is_agent):
        messages = messages.filter(kind=Message.Kind.REPLY)
    return messages


def access_case(*, user: User, number: str, for_update: bool = False) -> Case:
    cases = cases_visible_to(user)
    if for_update:
        cases = cases.select_for_update()
    case = cases.filter(number=number).first()
    if case is None:
        raise NotFound(_("Case %(number)s was not found.") % {"number": number})
    return case


def access_attachment(*, user: User, attachment_id: int) -> Attachment:
    visible = Attachment.objects.filter(case__in=cases_visible_to(user))
    if not (user.is_authenticated and user.is_agent):
        # Files on internal notes stay internal.
        visible = visible.exclude(message__kind=Message.Kind.NOTE)
    attachment = visible.select_related("case").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("The file was not found."))
    return attachment


def held_requests_visible_to(user: User) -> QuerySet[HeldRequest]:
    """Reference persons see their organization's held requests; others only their own."""
    contact = contact_for_user(user)
    if contact is None:
        return HeldRequest.objects.none()
    held = HeldRequest.objects.filter(organization_id=contact.organization_id)
    if not is_approver(contact):
        held = held.filter(requester=contact)
    return held


def access_held_request(*, user: User, held_id: int) -> HeldRequest:
    held = held_requests_visible_to(user).filter(pk=held_id).first()
    if held is None:
        raise NotFound(_("The request was not found."))
    return held
