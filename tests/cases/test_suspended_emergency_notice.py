"""A "system down" case accepted although support is paused: the requester is told so in
the receipt, in their language, whichever channel it came by."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases.models import Case
from casedesk.customers.models import Vendor
from tests import factories
from tests.smtp import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_payer(product: Any) -> Any:
    Vendor.objects.update_or_create(pk=1, defaults={"allow_emergencies_when_suspended": True})
    org = factories.make_organization("Late payer", products=[product], standing="suspended")
    return factories.make_contact(org, email="late@payer.test", language="nb")


def _receipt_text(smtp: Inbox) -> str:
    [receipt] = smtp.to("late@payer.test")
    text = receipt.get_body(("plain",))
    html = receipt.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "satt på pause" in html.get_content()
    return str(text.get_content())


def test_the_portal_receipt_says_support_is_paused(
    smtp: Inbox, late_payer: Any, product: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(late_payer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:new_case"),
            {
                "product": product.pk,
                "category": "problem",
                "severity": 4,
                "subject": "Nothing starts",
                "description": "The system is down on every computer.",
            },
        )
    assert response.status_code == 302
    case = Case.objects.get()
    text = _receipt_text(smtp)
    assert case.number in text
    # nb: "Vi tar imot denne saken om systemstans selv om supporten er satt på pause …"
    assert "Vi tar imot denne saken om systemstans" in text
    # The portal says it at once, too.
    page = client.get(response["Location"]).content.decode()
    assert "Vi tar imot denne saken om systemstans" in page


def test_a_phone_report_taken_by_an_english_agent_is_told_in_the_requesters_language(
    smtp: Inbox,
    late_payer: Any,
    product: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("desk:new_case"),
            {
                "requester": "late@payer.test",
                "channel": "phone",
                "product": product.pk,
                "category": "problem",
                "severity": 4,
                "subject": "Down",
                "description": "Caller says nothing starts",
            },
        )
    assert Case.objects.count() == 1
    assert "Vi tar imot denne saken om systemstans" in _receipt_text(smtp)


def test_an_ordinary_receipt_says_nothing_about_paused_support(
    smtp: Inbox, org_a: Any, product: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contact = factories.make_contact(org_a, email="late@payer.test", language="nb")
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_case(contact, product, severity=4)
    [receipt] = smtp.to("late@payer.test")
    text = receipt.get_body(("plain",))
    assert text is not None
    assert "satt på pause" not in text.get_content()
