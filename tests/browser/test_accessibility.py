"""Accessibility of the portal and the desk in real Chromium.

Our public-sector customers' portal falls under the EU Web Accessibility Directive (WCAG 2.1
AA), and agents use the desk all day: axe-core checks the key pages, in their error states
too, and fails on any "serious" or "critical" finding; the keyboard tests go where axe cannot
(a whole new case by keyboard alone, focus that shows, errors that are announced, focus kept
across htmx updates, the page language and titles).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from casedesk.cases import actions
from casedesk.cases.models import Case, Category, Channel, IntakeField, Message, Severity, Status
from casedesk.customers.models import ContactRole, Site, Vendor
from tests import factories
from tests.services import need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("critical", "serious")


@pytest.fixture(scope="module")
def axe_script() -> str:
    need(
        importlib.util.find_spec("axe_playwright_python") is not None,
        "needs axe-playwright-python, which bundles axe-core (make install)",
    )
    from axe_playwright_python.base import AXE_SCRIPT

    return str(AXE_SCRIPT)


@dataclass
class Scene:
    base: str
    agent: Any
    contact: Any  # a reference person of org A, so she also decides on held requests
    case: Case  # with a thread of replies, a note and attachments, solution proposed
    older: Case


@pytest.fixture
def scene(live_server: Any, org_a: Any, product: Any, agent: Any) -> Scene:
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    site = Site.objects.create(organization=org_a, name="Main campus")
    contact = factories.make_contact(org_a, email="kari@a.test")
    ContactRole.objects.create(contact=contact, role=ContactRole.Role.REFERENCE, site=site)
    colleague = factories.make_contact(org_a, email="ola@a.test")
    colleague.roles.all().delete()
    assert colleague.user is not None
    actions.do_submit_request(
        actor=colleague.user,
        requester=colleague,
        product=product,
        subject="Printer on floor 2",
        description="It jams.",
        category=Category.PROBLEM,
        severity=Severity.FAULT,
        channel=Channel.PORTAL,
        uploads=[],
    )
    closed = factories.make_case(contact, product, subject="Old question")
    actions.do_change_case_status(actor=contact.user, case=closed, status=Status.CLOSED)
    older = factories.make_case(contact, product, subject="Older question")
    case = factories.make_case(contact, product, uploads=[factories.png_upload()])
    actions.do_add_message(
        actor=agent,
        case=case,
        body="Please update the printer driver.",
        uploads=[factories.png_upload("driver.png")],
        then_status=Status.SOLUTION_PROPOSED,
    )
    actions.do_add_message(actor=agent, case=case, body="Called them.", kind=Message.Kind.NOTE)
    Case.objects.filter(pk=case.pk).update(meeting_requested=True)
    # Asked of new cases from now on: the new-case form's fields follow the product.
    IntakeField.objects.create(
        product=product, key="employee", label="Employee number", help_text="On the payslip"
    )
    return Scene(live_server.url, agent, contact, case, older)


def _login(page: Any, scene: Scene, email: str) -> None:
    page.goto(f"{scene.base}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "pw")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _submit_with_errors(page: Any, form: str = "main form") -> None:
    # Past the browser's own checks (required fields), to the server's error messages.
    page.eval_on_selector(form, "form => { form.noValidate = true; }")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(".error-summary")


def _wrong_password(page: Any, scene: Scene) -> None:
    page.goto(f"{scene.base}/login/")
    page.fill("#id_username", "nobody@a.test")
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    page.wait_for_selector(".error-summary")


def _new_case_errors(page: Any, scene: Scene) -> None:
    page.goto(f"{scene.base}/portal/cases/new/")
    page.select_option("#id_product", str(scene.case.product_id))
    page.wait_for_selector("#id_intake_employee")
    _submit_with_errors(page)


def _reply_errors(page: Any, scene: Scene) -> None:
    page.goto(f"{scene.base}/desk/cases/{scene.case.number}/")
    _submit_with_errors(page, "form[action$='/reply/']")


def _intake_errors(page: Any, scene: Scene) -> None:
    page.goto(f"{scene.base}/desk/cases/new/")
    _submit_with_errors(page)


def _visit(url: Callable[[Scene], str]) -> Callable[[Any, Scene], None]:
    return lambda page, scene: page.goto(scene.base + url(scene))


# Per role (one sign-in each): page name -> how to get there. "page, state" is that page in
# another state (after a failed submit), with the page's title.
ANONYMOUS = {
    "login": _visit(lambda s: "/login/"),
    "login, wrong password": _wrong_password,
    "password reset": _visit(lambda s: "/password-reset/"),
    "password reset sent": _visit(lambda s: "/password-reset/sent/"),
    "password reset stale link": _visit(lambda s: "/password-reset/MQ/set-password/"),
}
CONTACT = {
    "portal cases": _visit(lambda s: "/portal/"),
    "portal new case": _visit(lambda s: "/portal/cases/new/"),
    "portal new case, errors": _new_case_errors,
    "portal case": _visit(lambda s: f"/portal/cases/{s.case.number}/"),
    "portal held requests": _visit(lambda s: "/portal/requests/"),
}
AGENT = {
    "desk queue": _visit(lambda s: "/desk/"),
    "desk case": _visit(lambda s: f"/desk/cases/{s.case.number}/"),
    "desk case, reply errors": _reply_errors,
    "desk phone intake": _visit(lambda s: "/desk/cases/new/"),
    "desk phone intake, errors": _intake_errors,
    "desk held requests": _visit(lambda s: "/desk/held/?state=all"),
}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  - {v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}")
        lines.append(f"    {v['helpUrl']}")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"      at {target}: {node['html'][:160]}")
            summary = " / ".join((node.get("failureSummary") or "").splitlines())
            if summary:
                lines.append(f"        {summary[:300]}")
    return "\n".join(lines)


def _audit(
    pages: dict[str, Callable[[Any, Scene], None]], page: Any, scene: Scene, axe_script: str
) -> None:
    page.context.add_init_script(script=axe_script)
    blocking: list[str] = []
    titles: dict[str, str] = {}
    for name, visit in pages.items():
        visit(page, scene)
        page.wait_for_load_state()
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        found = [v for v in result["violations"] if v["impact"] in BLOCKING]
        if found:
            blocking.append(f"{name} ({page.url}):\n{_describe(found)}")
        others = [v for v in result["violations"] if v["impact"] not in BLOCKING]
        if others:  # shown with -rA: worth fixing, not worth failing the build for
            print(f"{name}: axe's minor and moderate findings\n{_describe(others)}")
        titles.setdefault(page.title(), name.split(",")[0])
        text = page.inner_text("body")
        assert "{#" not in text, f"{name}: a template comment shows on the page"
        assert "{%" not in text, f"{name}: a template tag shows on the page"
    assert not blocking, "axe found serious or critical violations:\n" + "\n".join(blocking)
    # Each page says what it is (WCAG 2.4.2), not just the product's name, and no two
    # different pages share a title (error states keep their page's).
    assert all(not title.startswith("·") for title in titles), titles
    assert len(set(titles.values())) == len({name.split(",")[0] for name in pages}), titles


def test_sign_in_and_password_pages_pass_axe(scene: Scene, new_page: Any, axe_script: str) -> None:
    _audit(ANONYMOUS, new_page(), scene, axe_script)


def test_portal_pages_pass_axe(scene: Scene, new_page: Any, axe_script: str) -> None:
    page = new_page()
    _login(page, scene, scene.contact.email)
    _audit(CONTACT, page, scene, axe_script)


def test_desk_pages_pass_axe(scene: Scene, new_page: Any, axe_script: str) -> None:
    page = new_page()
    _login(page, scene, scene.agent.email)
    _audit(AGENT, page, scene, axe_script)


# --- By keyboard alone ---------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const labels = el.labels ? Array.from(el.labels).map(l => l.innerText.trim()) : [];
  return {
    id: el.id, tag: el.tagName.toLowerCase(), type: el.type || "",
    classes: el.className || "", role: el.getAttribute("role") || "",
    name: (el.getAttribute("aria-label") || labels.join(" ") || el.innerText || "").trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def _tab(page: Any, times: int = 1) -> dict[str, Any]:
    for _ in range(times):
        page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(FOCUSED)
    # Every control reached by Tab has a name and a focus ring one can see (WCAG 2.4.7).
    assert focused["name"], f"unlabelled control: {focused}"
    assert focused["outline"], f"no visible focus on {focused}"
    return focused


def _tab_to(page: Any, element_id: str, limit: int = 6) -> dict[str, Any]:
    for _ in range(limit):
        focused = _tab(page)
        if focused["id"] == element_id:
            return focused
    raise AssertionError(f"Tab never reached #{element_id} (last: {focused})")


def test_a_new_case_by_keyboard_alone(scene: Scene, new_page: Any) -> None:
    page = new_page()
    _login(page, scene, scene.contact.email)
    page.goto(f"{scene.base}/portal/cases/new/")
    assert page.title().startswith("New case ·")

    # The first Tab reaches the skip link, which jumps past the menu to the form.
    skip = _tab(page)
    assert skip["tag"] == "a"
    assert "#main" in page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert _tab(page)["id"] == "id_product"

    # Sent empty: focus lands on the error summary (role=alert), whose links lead to fields.
    _tab_to(page, "id_attachments", limit=12)
    submit = _tab(page)
    assert submit["tag"] == "button"
    assert submit["type"] == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused = page.evaluate(FOCUSED)
    assert "error-summary" in focused["classes"]
    assert focused["role"] == "alert"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_product"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_product"
    assert page.get_attribute("#id_product", "aria-invalid") == "true"

    # Choosing the product loads its own required field (htmx), reached next by Tab.
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#id_intake_employee")
    assert page.get_attribute("#intake-fields", "aria-live") == "polite"
    _tab_to(page, "id_site")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "id_category")
    page.keyboard.press("ArrowDown")  # question -> problem
    _tab_to(page, "id_severity")
    page.keyboard.press("ArrowDown")  # 1 -> 2
    _tab_to(page, "id_subject")
    page.keyboard.type("Payroll export is empty")
    _tab_to(page, "id_description")
    page.keyboard.type("The March export has no rows.")
    meeting = _tab_to(page, "id_meeting_requested")
    assert meeting["type"] == "checkbox"
    page.keyboard.press("Space")
    _tab_to(page, "id_intake_employee")
    page.keyboard.type("4711")
    _tab_to(page, "id_attachments")
    assert _tab(page)["type"] == "submit"
    with page.expect_navigation(url="**/portal/cases/20*/"):
        page.keyboard.press("Enter")
    case = Case.objects.get(subject="Payroll export is empty")
    assert (case.category, case.severity) == (Category.PROBLEM, 2)
    assert case.site is not None
    assert case.meeting_requested
    assert case.intake_data == {"employee": "4711"}
    # The confirmation is what a screen reader reads first on the case page.
    focused = page.evaluate(FOCUSED)
    assert "messages" in focused["classes"]
    assert case.number in page.inner_text(".messages")
    assert page.title() == f"{case.number} · {case.subject} · Casedesk"


def test_moving_a_case_keeps_focus_and_says_where_it_went(scene: Scene, new_page: Any) -> None:
    page = new_page()
    _login(page, scene, scene.contact.email)
    page.goto(f"{scene.base}/portal/")
    rows = page.locator("#open-cases tbody tr")
    assert rows.nth(1).get_attribute("data-number") == scene.case.number
    rows.nth(1).locator("button[data-direction=up]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('#open-cases tbody tr').dataset.number === '{scene.case.number}'"
    )
    # At the top, "up" is disabled: focus stays on the same case, on its "down" arrow.
    page.wait_for_function("document.activeElement.dataset.direction === 'down'")
    row = page.evaluate("document.activeElement.closest('tr').dataset.number")
    assert row == scene.case.number
    page.wait_for_function(
        "document.getElementById('live-status').textContent.includes('number 1')"
    )
    assert scene.case.number in page.inner_text("#live-status")

    # A refused update is said aloud, not swallowed: the case was closed meanwhile.
    actions.do_change_case_status(actor=scene.contact.user, case=scene.case, status=Status.CLOSED)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('live-error').textContent.length > 0")
    assert page.get_attribute("#live-error", "role") == "alert"
    assert "closed" in page.inner_text("#live-error").lower()


def test_html_lang_follows_the_user_and_the_browser(scene: Scene, new_page: Any) -> None:
    nb = factories.make_contact(scene.contact.organization, email="nora@a.test", language="nb")
    page = new_page()
    _login(page, scene, nb.email)
    page.goto(f"{scene.base}/portal/")
    assert page.get_attribute("html", "lang") == "nb"
    assert page.locator("nav a[aria-current=page]").count() == 1

    anonymous = new_page(locale="sv-SE")
    anonymous.goto(f"{scene.base}/login/")
    assert anonymous.get_attribute("html", "lang") == "sv"
