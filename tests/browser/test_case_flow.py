"""A contact and an agent work a case together in real Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from casedesk.cases.models import Case, Status
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "pw")
    page.click("main button[type=submit]")


def test_contact_and_agent_work_a_case(
    live_server: Any, new_page: Any, tmp_path: Path, org_a: Any, product: Any, agent: Any
) -> None:
    contact = factories.make_contact(org_a, email="kari@a.test", language="nb")
    older = factories.make_case(contact, product, subject="Older question")
    shot = tmp_path / "screen.png"
    shot.write_bytes(factories.PNG_BYTES)
    base = live_server.url

    customer = new_page()
    _login(customer, base, "kari@a.test")
    customer.goto(f"{base}/portal/cases/new/")
    customer.select_option("#id_product", str(product.pk))
    customer.select_option("#id_category", "problem")
    customer.select_option("#id_severity", "2")
    customer.fill("#id_subject", "Printing stopped")
    customer.fill("#id_description", "Nothing happens when I press print.")
    customer.set_input_files("#id_attachments", str(shot))
    customer.click("main form button[type=submit]")
    customer.wait_for_url("**/portal/cases/20*/")
    case = Case.objects.get(subject="Printing stopped")
    assert customer.locator("text=screen.png").count() == 1

    customer.goto(f"{base}/portal/")
    rows = customer.locator("#open-cases tbody tr")
    assert rows.count() == 2
    assert "Older question" in rows.nth(0).inner_text()
    rows.nth(1).locator("button[hx-vals*=up]").click()
    customer.wait_for_function(
        "document.querySelector('#open-cases tbody tr').innerText.includes('Printing stopped')"
    )
    case.refresh_from_db()
    older.refresh_from_db()
    assert (case.rank, older.rank) == (1, 2)

    desk = new_page()
    _login(desk, base, agent.email)
    desk.goto(f"{base}/desk/cases/{case.number}/")
    desk.fill("textarea[name=body]", "Please update the printer driver.")
    desk.select_option("select[name=then_status]", "solution_proposed")
    desk.click("form[action$='/reply/'] button[type=submit]")
    desk.wait_for_selector("text=Please update the printer driver.")

    customer.goto(f"{base}/portal/cases/{case.number}/")
    assert customer.locator("text=Please update the printer driver.").count() == 1
    with translation.override("nb"):
        accept = translation.gettext("Accept solution and close case")
    assert accept != "Accept solution and close case"  # the contact reads Norwegian
    customer.click(f"button:has-text('{accept}')")
    customer.wait_for_selector(".messages li")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
