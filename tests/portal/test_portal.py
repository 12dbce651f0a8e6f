from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casedesk.cases.models import Case, IntakeField, Status
from tests import factories


@pytest.fixture
def client_a(client: Client, contact_a: Any) -> Client:
    client.force_login(contact_a.user)
    return client


def _new_case_data(product: Any, **extra: Any) -> dict[str, Any]:
    return {
        "product": product.pk,
        "category": "problem",
        "severity": 2,
        "subject": "Cannot print",
        "description": "The print button does nothing.",
        **extra,
    }


def test_login_with_email_and_password(client: Client, contact_a: Any) -> None:
    response = client.post(reverse("login"), {"username": "anna@a.test", "password": "pw"})
    assert response.status_code == 302
    # People type their address in any letter case.
    other = Client()
    response = other.post(reverse("login"), {"username": " Anna@A.Test ", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/").url == reverse("portal:cases")  # type: ignore[attr-defined]


def test_password_reset_sends_mail(client: Client, contact_a: Any) -> None:
    client.post(reverse("password_reset"), {"email": "anna@a.test"})
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body


def test_password_reset_mail_is_in_the_accounts_language(client: Client, contact_a: Any) -> None:
    from casedesk.customers.models import Vendor

    Vendor.objects.update_or_create(pk=1, defaults={"name": "Lønn & Tid"})
    contact_a.user.language = "da"
    contact_a.user.save(update_fields=["language"])
    # Asked from an English browser: the mail follows the account, not the browser.
    client.post(reverse("password_reset"), {"email": "anna@a.test"}, HTTP_ACCEPT_LANGUAGE="en")
    [reset] = mail.outbox
    assert reset.subject == "Nulstil din adgangskode – Lønn & Tid"
    assert "Nogen har bedt om at nulstille" in reset.body
    assert "/password-reset/" in reset.body


def test_create_case_with_screenshot(
    client_a: Client, product: Any, django_capture_on_commit_callbacks: Any
) -> None:
    shot = SimpleUploadedFile("screen.png", factories.PNG_BYTES, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("portal:new_case"), _new_case_data(product, attachments=[shot])
        )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(case.number + "/")
    assert case.attachments.get().filename == "screen.png"
    page = client_a.get(response["Location"]).content.decode()
    assert "The print button does nothing." in page
    assert "screen.png" in page
    [ack] = mail.outbox
    assert case.number in ack.subject
    assert ack.to == ["anna@a.test"]


def test_missing_required_fields_are_explained(client_a: Client, product: Any) -> None:
    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    IntakeField.objects.create(product=product, key="shot", label="a screenshot", kind="attachment")
    response = client_a.post(reverse("portal:new_case"), _new_case_data(product))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please attach a screenshot." in body
    assert "Where in the system" in body
    assert Case.objects.count() == 0
    data = {**_new_case_data(product), "intake_where": "Payroll > Export"}
    client_a.post(
        reverse("portal:new_case"),
        {**data, "attachments": SimpleUploadedFile("s.png", factories.PNG_BYTES, "image/png")},
    )
    case = Case.objects.get()
    page = client_a.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "Where in the system:</strong> Payroll &gt; Export" in page


def test_intake_fields_load_for_the_chosen_product(client_a: Client, product: Any) -> None:
    IntakeField.objects.create(product=product, key="where", label="Where in the system")
    response = client_a.get(
        reverse("portal:new_case"), {"product": product.pk}, HTTP_HX_REQUEST="true"
    )
    assert b"Where in the system" in response.content
    assert b"<html" not in response.content
    # Not an id (isdigit() says "²" is a digit; int() disagrees), or none a column holds.
    for junk in ("²", "9" * 30, "-1", "1.0"):
        response = client_a.get(reverse("portal:new_case"), {"product": junk})
        assert response.status_code == 200
        assert b"Where in the system" not in response.content


def test_tampered_form_posts_change_nothing(client_a: Client, product: Any) -> None:
    other = factories.make_product("Not covered")
    for data in (
        _new_case_data(other),
        _new_case_data(product, severity=9),
        _new_case_data(product, category="hack"),
    ):
        response = client_a.post(reverse("portal:new_case"), data)
        assert response.status_code == 200
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = client_a.post(reverse("portal:new_case"), _new_case_data(product, attachments=[exe]))
    assert "are not accepted" in response.content.decode()
    assert Case.objects.count() == 0


def test_reply_close_and_reopen(client_a: Client, case_a: Case, agent: Any) -> None:
    url = reverse("portal:case", args=[case_a.number])
    from casedesk.cases import actions

    actions.do_add_message(
        actor=agent, case=case_a, body="Try restarting", then_status=Status.SOLUTION_PROPOSED
    )
    page = client_a.get(url).content.decode()
    assert "Try restarting" in page
    assert "Accept solution and close case" in page
    client_a.post(reverse("portal:close", args=[case_a.number]))
    case_a.refresh_from_db()
    assert case_a.status == Status.CLOSED
    client_a.post(url, {"body": "It came back"})
    case_a.refresh_from_db()
    assert case_a.status == Status.OPEN
    assert case_a.messages.count() == 3


def test_rank_buttons_with_htmx(client_a: Client, contact_a: Any, product: Any) -> None:
    first = factories.make_case(contact_a, product, subject="first")
    second = factories.make_case(contact_a, product, subject="second")
    response = client_a.post(
        reverse("portal:move", args=[second.number]), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("second") < body.index("first")
    assert b"<html" not in response.content
    first.refresh_from_db()
    assert first.rank == 2
    # A direction that is neither is refused, not taken as "down".
    for unclear in ({"direction": "UP"}, {}):
        assert (
            client_a.post(reverse("portal:move", args=[first.number]), unclear).status_code == 422
        )
    first.refresh_from_db()
    assert first.rank == 2


def test_portal_speaks_the_contacts_language(client: Client, org_a: Any, product: Any) -> None:
    contact = factories.make_contact(org_a, language="nb")
    client.force_login(contact.user)
    body = client.get(reverse("portal:new_case")).content.decode()
    assert 'lang="nb"' in body


def test_closed_list_is_paginated(client_a: Client, contact_a: Any, product: Any) -> None:
    from casedesk.cases import actions

    for i in range(27):
        case = factories.make_case(contact_a, product, subject=f"old {i}")
        actions.do_change_case_status(actor=contact_a.user, case=case, status=Status.CLOSED)
    first = client_a.get(reverse("portal:cases")).content.decode()
    assert first.count("old ") == 25
    assert "?after=" in first
    cursor = first.split("?after=")[1].split('"')[0]
    second = client_a.get(reverse("portal:cases"), {"after": cursor}).content.decode()
    assert second.count("old ") == 2


def test_bad_cursor_is_a_polite_error(client_a: Client) -> None:
    response = client_a.get(reverse("portal:cases"), {"after": "garbage!!"})
    assert response.status_code == 422
    assert b"cursor is invalid" in response.content


def test_uploaded_stream_is_read_fully(client_a: Client, case_a: Case) -> None:
    data = io.BytesIO(b"line\n" * 1000)
    log = SimpleUploadedFile("app.log", data.getvalue(), content_type="text/plain")
    client_a.post(
        reverse("portal:case", args=[case_a.number]), {"body": "log attached", "attachments": [log]}
    )
    att = case_a.attachments.get(filename="app.log")
    assert att.size == 5000
    response = client_a.get(reverse("attachment", args=[att.pk]))
    assert b"".join(response.streaming_content) == data.getvalue()  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")
