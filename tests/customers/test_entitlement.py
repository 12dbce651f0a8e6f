"""Who may open a case: every refusal path, on each channel that exists (portal, desk
phone intake, the actions used by e-mail and API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.actions import IntakeRefused
from casedesk.cases.models import Case, HeldRequest
from casedesk.customers.entitlement import Outcome, Reason, decide_intake
from casedesk.customers.models import ContactRole, Contract, Vendor
from tests import factories
from tests.factories import oslo


def _submit(
    contact: Any, product: Any, *, actor: Any = "self", severity: int = 2, channel: str = "portal"
) -> Any:
    return actions.do_submit_request(
        actor=contact.user if actor == "self" else actor,
        requester=contact,
        product=product,
        subject="Help",
        description="Please help",
        category="problem",
        severity=severity,
        channel=channel,
    )


def _portal_post(client: Client, contact: Any, product: Any, severity: int = 2) -> Any:
    client.force_login(contact.user)
    return client.post(
        reverse("portal:new_case"),
        {
            "product": product.pk,
            "category": "problem",
            "severity": severity,
            "subject": "Help",
            "description": "Please help",
        },
    )


def _phone_post(client: Client, agent: Any, email: str, product: Any, severity: int = 2) -> Any:
    client.force_login(agent)
    return client.post(
        reverse("desk:new_case"),
        {
            "requester": email,
            "channel": "phone",
            "product": product.pk,
            "category": "problem",
            "severity": severity,
            "subject": "Help",
            "description": "Caller says it is broken",
        },
    )


@pytest.fixture
def reference(org_a: Any) -> Any:
    site = org_a.sites.create(name="Main campus")
    contact = factories.make_contact(org_a, email="ref@a.test")
    contact.roles.all().delete()
    ContactRole.objects.create(contact=contact, role="reference", site=site)
    return contact


@pytest.fixture
def colleague(org_a: Any) -> Any:
    """A person at org A who is not a designated contact (no roles)."""
    contact = factories.make_contact(org_a, email="colleague@a.test")
    contact.roles.all().delete()
    return contact


def test_non_designated_is_refused_with_reference_names(
    client: Client, colleague: Any, reference: Any, product: Any, agent: Any
) -> None:
    with pytest.raises(IntakeRefused) as info:
        _submit(colleague, product)
    assert info.value.decision.reason == Reason.NOT_DESIGNATED
    assert reference.name in info.value.message
    assert "ref@a.test" not in info.value.message
    body = _portal_post(client, colleague, product).content.decode()
    assert reference.name in body
    assert "designated contact persons" in body
    body = _phone_post(Client(), agent, "colleague@a.test", product).content.decode()
    assert "Not opened" in body
    assert reference.name in body
    assert Case.objects.count() == 0


def test_unknown_person_is_refused(client: Client, agent: Any, product: Any) -> None:
    decision = decide_intake(
        contact=None, product=product, severity=2, channel="email", at=oslo(2026, 3, 9, 9, 0)
    )
    assert (decision.outcome, decision.reason) == (Outcome.REFUSE, Reason.UNKNOWN_PERSON)
    body = _phone_post(client, agent, "stranger@nowhere.test", product).content.decode()
    assert "not a contact person" in body
    assert Case.objects.count() == 0


def test_held_for_approval_then_approved(
    client: Client,
    colleague: Any,
    reference: Any,
    product: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vendor = Vendor.current()
    vendor.hold_requests_from_non_designated = True
    vendor.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _portal_post(client, colleague, product)
    assert response.status_code == 302
    assert response["Location"] == "/portal/requests/"
    held = HeldRequest.objects.get()
    assert held.state == "pending"
    assert Case.objects.count() == 0
    assert [m.to for m in mail.outbox] == [["ref@a.test"]]  # the reference person is asked
    # The colleague cannot approve their own request; the reference person can.
    response = client.post(reverse("portal:decide_held", args=[held.pk]), {"decision": "approve"})
    assert response.status_code == 403
    client.force_login(reference.user)
    assert "Help" in client.get(reverse("portal:held_requests")).content.decode()
    client.post(reverse("portal:decide_held", args=[held.pk]), {"decision": "approve"})
    held.refresh_from_db()
    assert held.state == "approved"
    assert held.case is not None
    assert held.case.requester == colleague
    assert held.case.events.get(kind="created").data["approved_by"] == reference.pk
    # Approving twice does not make a second case.
    response = client.post(reverse("portal:decide_held", args=[held.pk]), {"decision": "approve"})
    assert response.status_code == 409
    assert Case.objects.count() == 1
    # The colleague now sees their own case (and only theirs).
    client.force_login(colleague.user)
    assert held.case.number in client.get(reverse("portal:cases")).content.decode()


def test_held_request_rejected_tells_the_requester(
    client: Client,
    colleague: Any,
    reference: Any,
    product: Any,
    django_capture_on_commit_callbacks: Any,
    contact_b: Any,
) -> None:
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    held = _submit(colleague, product)
    assert isinstance(held, HeldRequest)
    client.force_login(contact_b.user)  # another organization: not found
    assert (
        client.post(
            reverse("portal:decide_held", args=[held.pk]), {"decision": "reject"}
        ).status_code
        == 404
    )
    client.force_login(reference.user)
    # Rejecting tells the colleague: a decision that is neither word decides nothing.
    for unclear in ({"decision": "Approve"}, {}):
        response = client.post(reverse("portal:decide_held", args=[held.pk]), unclear)
        assert response.status_code == 422
        held.refresh_from_db()
        assert held.state == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:decide_held", args=[held.pk]), {"decision": "reject"})
    held.refresh_from_db()
    assert held.state == "rejected"
    assert held.decided_by == reference
    assert mail.outbox[-1].to == ["colleague@a.test"]


def test_suspended_contract_refused_except_allowed_emergencies(
    client: Client, product: Any, agent: Any
) -> None:
    org = factories.make_organization("Late payer", products=[product], standing="suspended")
    contact = factories.make_contact(org, email="late@payer.test")
    body = _portal_post(client, contact, product).content.decode()
    assert "unpaid invoices" in body
    body = _phone_post(Client(), agent, "late@payer.test", product, severity=4).content.decode()
    assert "unpaid invoices" in body
    Vendor.objects.update_or_create(pk=1, defaults={"allow_emergencies_when_suspended": True})
    with pytest.raises(IntakeRefused):
        _submit(contact, product, severity=2, channel="api")
    case = _submit(contact, product, severity=4, channel="api")
    assert isinstance(case, Case)
    assert case.events.get(kind="created").data["intake"] == "emergency_while_suspended"
    # The portal offers exactly that: the form, "system down" only, and why.
    client.force_login(contact.user)
    page = client.get(reverse("portal:new_case")).content.decode()
    assert "unpaid invoices" in page
    assert 'name="severity"' in page
    assert '<option value="4" selected>' in page
    assert '<option value="2"' not in page
    refused = _portal_post(client, contact, product, severity=2)
    assert refused.status_code == 200
    assert Case.objects.filter(organization=org).count() == 1
    accepted = _portal_post(client, contact, product, severity=4)
    assert accepted.status_code == 302
    assert Case.objects.filter(organization=org).count() == 2


def test_product_not_covered(client: Client, contact_a: Any, agent: Any) -> None:
    other = factories.make_product("Not ours")
    with pytest.raises(IntakeRefused) as info:
        _submit(contact_a, other, channel="api")
    assert info.value.decision.reason == Reason.PRODUCT_NOT_COVERED
    body = _phone_post(client, agent, contact_a.email, other).content.decode()
    assert "does not cover Not ours" in body


def test_expired_contract_is_no_contract(contact_a: Any, product: Any, org_a: Any) -> None:
    from datetime import date

    Contract.objects.filter(organization=org_a).update(valid_to=date(2021, 1, 1))
    with pytest.raises(IntakeRefused) as info:
        _submit(contact_a, product)
    assert info.value.decision.reason == Reason.NO_CONTRACT


def test_phone_after_hours_accepted_for_next_opening(
    sla: Any, frozen: Any, client: Client, contact_a: Any, product: Any, agent: Any
) -> None:
    frozen(oslo(2026, 3, 6, 20, 0))  # Friday evening
    response = _phone_post(client, agent, contact_a.email, product)
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.accepted_for == oslo(2026, 3, 9, 8, 0)
    with pytest.raises(IntakeRefused) as info:  # the caller hears when we open
        raise IntakeRefused(
            decide_intake(
                contact=contact_a,
                product=product,
                severity=2,
                channel="phone",
                at=oslo(2026, 3, 6, 20, 0),
            )
        )
    assert "Monday" in info.value.message
    assert isinstance(_submit(contact_a, product, channel="portal"), Case)
    assert Case.objects.filter(accepted_for__isnull=True).count() == 1  # portal: no wait


def test_phone_after_hours_with_24_7_is_handled_now(
    sla: Any, frozen: Any, contact_a: Any, product: Any, org_a: Any, agent: Any
) -> None:
    Contract.objects.filter(organization=org_a).update(support_level="24/7")
    frozen(oslo(2026, 3, 6, 20, 0))
    case = _submit(contact_a, product, actor=agent, channel="phone")
    assert case.accepted_for is None


def test_responsible_person_gets_a_copy_of_public_replies(
    org_a: Any,
    product: Any,
    contact_a: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    responsible = factories.make_contact(org_a, email="boss@a.test")
    ContactRole.objects.create(contact=responsible, role="responsible", product=product)
    case = factories.make_case(contact_a, product)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(actor=agent, case=case, body="Fixed")
        actions.do_add_message(actor=agent, case=case, body="internal", kind="note")
    [reply] = mail.outbox
    assert reply.to == ["anna@a.test"]
    assert reply.cc == ["boss@a.test"]
    own = factories.make_case(responsible, product)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(actor=agent, case=own, body="Fixed")
    assert mail.outbox[0].cc == []  # not copied on their own case
    # One who reads another language gets a copy of their own, in it.
    ContactRole.objects.create(
        contact=factories.make_contact(org_a, email="sjef@a.test", language="nb"),
        role="responsible",
        product=product,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(actor=agent, case=case, body="Fixed again")
    to_anna, to_sjef = sorted(mail.outbox, key=lambda m: m.to[0])
    assert (to_anna.to, to_anna.cc) == (["anna@a.test"], ["boss@a.test"])
    assert (to_sjef.to, to_sjef.cc) == (["sjef@a.test"], [])
    assert "Nytt svar" in to_sjef.subject
    assert "Fixed again" in to_sjef.body


def test_held_request_keeps_its_screenshot_and_site_until_approved(
    colleague: Any,
    reference: Any,
    product: Any,
    org_a: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from pathlib import Path

    from casedesk.cases.models import IntakeField

    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    IntakeField.objects.create(product=product, key="shot", label="a screenshot", kind="attachment")
    site = org_a.sites.get()
    held = actions.do_submit_request(
        actor=colleague.user,
        requester=colleague,
        product=product,
        subject="Help",
        description="See picture",
        category="problem",
        severity=2,
        site=site,
        uploads=[factories.png_upload("shot.png")],
    )
    assert isinstance(held, HeldRequest)
    assert [f["filename"] for f in held.files] == ["shot.png"]
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.do_approve_held_request(actor=reference.user, held=held)
    assert case.site == site
    [attachment] = case.attachments.all()
    assert attachment.filename == "shot.png"
    assert attachment.file.read() == factories.PNG_BYTES
    # The held copy is removed once the case has its own (after commit).
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert [p.name for p in root.rglob("*") if p.is_file()] == [Path(attachment.file.name).name]


@pytest.mark.django_db
def test_first_covered_product_is_the_orms_first_by_name() -> None:
    """The prepared read e-mail intake uses agrees with the queryset it was made from."""
    from datetime import date

    from casedesk.customers.entitlement import covered_products, first_covered_product

    zeta, alpha, other = (factories.make_product(n) for n in ("Zeta", "Alpha", "Other"))
    org = factories.make_organization(products=[zeta])
    contact = factories.make_contact(org)
    day = date(2026, 3, 9)
    assert first_covered_product(contact, day) == zeta
    # A second contract covering a product earlier by name; an expired one and a suspended
    # one cover another, which counts only while the expired one was in force.
    Contract.objects.create(organization=org, valid_from=date(2026, 1, 1)).products.set([alpha])
    Contract.objects.create(
        organization=org, valid_from=date(2020, 1, 1), valid_to=date(2025, 12, 31)
    ).products.set([other])
    Contract.objects.create(
        organization=org, valid_from=date(2020, 1, 1), standing="suspended"
    ).products.set([other])
    for when in (day, date(2025, 6, 1), date(2019, 1, 1)):
        assert first_covered_product(contact, when) == covered_products(contact, when).first()
    assert first_covered_product(contact, day) == alpha
    assert first_covered_product(contact, date(2025, 6, 1)) == other  # before it expired
    assert first_covered_product(contact, date(2019, 1, 1)) is None
