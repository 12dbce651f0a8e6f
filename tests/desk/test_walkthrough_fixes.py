"""Phone intake with a product's required information, the case page's forms, queue filters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casedesk.cases import actions
from casedesk.cases.models import Case, IntakeField, Status
from tests import factories


@pytest.fixture
def desk(client: Client, agent: Any) -> Client:
    client.force_login(agent)
    return client


def _phone_case(product: Any, **extra: Any) -> dict[str, Any]:
    return {
        "requester": "anna@a.test",
        "channel": "phone",
        "product": product.pk,
        "category": "problem",
        "severity": 2,
        "subject": "Payroll run fails",
        "description": "The caller gets an error.",
        **extra,
    }


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("screen.png", factories.PNG_BYTES, content_type="image/png")


def test_phone_intake_asks_for_the_products_required_fields(
    desk: Client, contact_a: Any, product: Any
) -> None:
    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    IntakeField.objects.create(product=product, key="shot", label="a screenshot", kind="attachment")
    url = reverse("desk:new_case")
    response = desk.post(url, _phone_case(product))
    assert response.status_code == 200
    body = response.content.decode()
    # Named at its own field, which the agent can now fill in.
    field = re.search(r"<p><label for=\"id_intake_where\">.*?</p>", body, re.S)
    assert field is not None
    assert "Please fill in Where in the system." in field.group()
    assert 'name="intake_where"' in field.group()
    assert "Please attach a screenshot." in body
    assert 'type="file" name="attachments"' in body
    assert Case.objects.count() == 0

    response = desk.post(url, _phone_case(product, intake_where="Payroll", attachments=_file()))
    case = Case.objects.get()
    assert response["Location"] == reverse("desk:case", args=[case.number])
    assert case.intake_data == {"where": "Payroll"}
    assert case.attachments.get().filename == "screen.png"


def test_phone_intake_reloads_the_fields_for_the_chosen_product(
    desk: Client, product: Any, other_product: Any
) -> None:
    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    url = reverse("desk:new_case")
    page = desk.get(url).content.decode()
    assert 'hx-get="/desk/cases/new/"' in page
    assert 'id="intake-fields"' in page
    response = desk.get(url, {"product": product.pk}, HTTP_HX_REQUEST="true")
    assert b"Where in the system" in response.content
    assert b"<html" not in response.content
    response = desk.get(url, {"product": other_product.pk}, HTTP_HX_REQUEST="true")
    assert b"Where in the system" not in response.content
    for junk in ("²", "9" * 30, "-1", "1.0", ""):
        response = desk.get(url, {"product": junk}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"Where in the system" not in response.content


def test_case_form_errors_show_once(desk: Client, case_a: Case) -> None:
    response = desk.post(
        reverse("desk:update", args=[case_a.number]),
        {"status": "closed", "severity": 2, "category": "problem"},
    )
    assert response.status_code == 409
    assert response.content.decode().count("Only the customer closes") == 1


def test_meeting_form_errors_show_once(desk: Client, case_a: Case) -> None:
    Case.objects.filter(pk=case_a.pk).update(meeting_requested=True)
    response = desk.post(
        reverse("desk:meeting", args=[case_a.number]),
        {"starts_at": "2001-01-01T10:00", "minutes": 30},
    )
    assert response.status_code == 422
    assert response.content.decode().count("The meeting must be in the future.") == 1


def _status_options(body: str) -> list[str]:
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_status_dropdown_offers_only_allowed_targets(
    desk: Client, case_a: Case, contact_a: Any
) -> None:
    actions.do_change_case_status(actor=contact_a.user, case=case_a, status=Status.CLOSED)
    page = desk.get(reverse("desk:case", args=[case_a.number])).content.decode()
    assert _status_options(page) == ["open", "closed"]
    # Also after a refused change; the lifecycle still says why it refused.
    response = desk.post(
        reverse("desk:update", args=[case_a.number]),
        {"status": "on_hold", "severity": 2, "category": "problem"},
    )
    assert response.status_code == 409
    assert b"cannot go from" in response.content
    assert _status_options(response.content.decode()) == ["open", "closed"]


@pytest.mark.parametrize("name", ["update", "meeting", "reply"])
def test_reloading_a_case_form_address_goes_back_to_the_case(
    desk: Client, case_a: Case, name: str
) -> None:
    response = desk.get(reverse(f"desk:{name}", args=[case_a.number]))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:case", args=[case_a.number])


def test_reloading_a_case_form_address_checks_access(client: Client, case_a: Case) -> None:
    client.force_login(factories.make_contact(case_a.organization).user)  # type: ignore[arg-type]
    response = client.get(reverse("desk:update", args=[case_a.number]))
    assert response.status_code in (403, 404)


def test_a_bad_queue_filter_is_shown_and_the_others_still_apply(
    desk: Client, contact_a: Any, product: Any
) -> None:
    open_case = factories.make_case(contact_a, product)
    closed = factories.make_case(contact_a, product)
    actions.do_change_case_status(actor=contact_a.user, case=closed, status=Status.CLOSED)
    body = desk.get(reverse("desk:queue"), {"status": "closed", "severity": "abc"}).content.decode()
    numbers = re.findall(r'<a href="/desk/cases/(\d{4}-\d{6})/">', body)
    assert numbers == [closed.number]
    assert open_case.number not in numbers
    assert "Select a valid choice" in body
