"""Cases over the API, as a contact and as an agent: real tokens, real HTTP, the real DB."""

from __future__ import annotations

import io
import json
from typing import Any

from casedesk.cases.models import Case, CaseEvent, Message, Status
from tests import factories
from tests.api.conftest import Api, assert_error


def _new_case(product: Any, **extra: Any) -> dict[str, Any]:
    return {
        "product": product.pk,
        "subject": "Payroll export fails",
        "description": "Since Monday the export stops at 50 %.",
        "category": "problem",
        "severity": 2,
        **extra,
    }


def test_contact_opens_a_case_for_themselves(api_a: Api, contact_a: Any, product: Any) -> None:
    response = api_a.post("/cases", _new_case(product))
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.requester == contact_a
    assert case.channel == "api"
    assert body["severity"] == 2
    assert body["organization"]["id"] == contact_a.organization_id
    # A contact's view of a case has no internal fields.
    assert "assignee" not in body
    assert "sla" not in body


def test_contact_cannot_mass_assign_agent_fields(api_a: Api, product: Any, agent: Any) -> None:
    for extra in ({"requester": 1}, {"assignee": agent.pk}, {"rank": 1}, {"channel": "phone"}):
        response = api_a.post("/cases", _new_case(product, **extra))
        error = assert_error(response, 422, "validation_error")
        assert any(e["type"] == "extra_forbidden" for e in error["details"]["errors"]), error
    assert not Case.objects.exists()


def test_agent_opens_a_case_for_a_contact(
    agent_api: Api, contact_a: Any, contact_b: Any, product: Any
) -> None:
    response = agent_api.post("/cases", _new_case(product, requester=contact_b.pk, channel="phone"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requester"]["id"] == contact_b.pk
    assert body["channel"] == "phone"
    assert body["assignee"] is None
    assert isinstance(body["sla"], list)
    # Agents must name the requester.
    assert_error(agent_api.post("/cases", _new_case(product)), 422, "validation_error")


def test_refused_intake_is_a_403_with_the_reason(api_as: Any, product: Any) -> None:
    org = factories.make_organization("Unpaid", products=[product], standing="suspended")
    contact = factories.make_contact(org)
    error = assert_error(
        api_as(contact.user).post("/cases", _new_case(product)), 403, "intake_refused"
    )
    assert error["details"]["reason"] == "suspended"


def test_unknown_product_and_bad_body(api_a: Api) -> None:
    assert_error(api_a.post("/cases", _new_case(type("P", (), {"pk": 999_999}))), 404)
    bad = api_a.client.post(
        "/api/v1/cases",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_a.token}"},
    )
    assert_error(bad, 400, "bad_request")


def test_get_by_number_and_agent_view(api_a: Api, agent_api: Api, case_a: Case) -> None:
    body = api_a.get(f"/cases/{case_a.number}").json()
    assert body["number"] == case_a.number
    assert body["subject"] == case_a.subject
    agent_body = agent_api.get(f"/cases/{case_a.number}").json()
    assert {"assignee", "sla", "due_at"} <= set(agent_body)
    assert_error(api_a.get("/cases/2000-999999"), 404, "not_found")


def test_list_filters_sort_and_keyset_pages(
    agent_api: Api, api_a: Api, contact_a: Any, contact_b: Any, product: Any, agent: Any
) -> None:
    made = [factories.make_case(contact_a, product, severity=1 + i % 3) for i in range(7)]
    b = factories.make_case(contact_b, product, subject="Other org", severity=5)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = agent_api.get("/cases", params).json()
        seen += [c["number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([c.number for c in made] + [b.number])
    assert len(seen) == len(set(seen))
    # Filters
    numbers = lambda r: [c["number"] for c in r.json()["items"]]  # noqa: E731
    assert numbers(agent_api.get("/cases", {"severity": 5})) == [b.number]
    assert numbers(agent_api.get("/cases", {"organization": b.organization_id})) == [b.number]
    assert numbers(agent_api.get("/cases", {"sort": "queue"}))[0] == b.number
    assert numbers(agent_api.get("/cases", {"q": b.number})) == [b.number]
    assert numbers(agent_api.get("/cases", {"q": "other"})) == [b.number]
    assert agent_api.get("/cases", {"assignee": "none"}).json()["items"]
    assert numbers(agent_api.get("/cases", {"assignee": agent.pk})) == []
    # A contact sees only their organization, in their own rank order.
    mine = numbers(api_a.get("/cases", {"sort": "rank", "limit": 200}))
    assert mine == [c.number for c in made]


def test_updated_since_filter(agent_api: Api, case_a: Case, agent: Any) -> None:
    from datetime import timedelta

    later = case_a.updated_at + timedelta(seconds=1)
    assert agent_api.get("/cases", {"updated_since": later.isoformat()}).json()["items"] == []
    assert agent_api.get("/cases", {"updated_since": case_a.updated_at.isoformat()}).json()["items"]


def test_unknown_and_disallowed_filters_are_rejected(api_a: Api, agent_api: Api) -> None:
    error = assert_error(agent_api.get("/cases", {"subject__regex": ".*"}), 422)
    assert error["details"]["errors"][0]["loc"] == ["query", "subject__regex"]
    assert_error(agent_api.get("/cases", {"sort": "subject"}), 422, "validation_error")
    assert_error(agent_api.get("/cases", {"sort": "queue", "status": "closed"}), 422)
    error = assert_error(api_a.get("/cases", {"organization": 1}), 422)
    assert error["details"]["errors"][0]["type"] == "not_allowed"
    assert_error(api_a.get("/cases", {"assignee": "none"}), 422)
    assert_error(agent_api.get("/cases", {"cursor": "garbage"}), 422, "invalid_input")


def test_agent_updates_and_contact_may_not(
    agent_api: Api, api_a: Api, case_a: Case, agent: Any
) -> None:
    response = agent_api.patch(
        f"/cases/{case_a.number}", {"assignee": agent.pk, "severity": 5, "status": "open"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"]["id"] == agent.pk
    assert body["severity"] == 5
    assert body["status"] == "open"
    # Omitted fields stay; null assignee unassigns.
    body = agent_api.patch(f"/cases/{case_a.number}", {"assignee": None}).json()
    assert body["assignee"] is None
    assert body["severity"] == 5
    assert_error(agent_api.patch(f"/cases/{case_a.number}", {"rank": 3}), 422)
    assert_error(agent_api.patch(f"/cases/{case_a.number}", {"assignee": 999_999}), 422)
    assert_error(api_a.patch(f"/cases/{case_a.number}", {"severity": 1}), 403)
    # Only the customer closes (or an agent on their recorded behalf): 403, then allowed.
    assert_error(agent_api.patch(f"/cases/{case_a.number}", {"status": "closed"}), 403)
    closed = agent_api.patch(
        f"/cases/{case_a.number}", {"status": "closed", "on_behalf_of_customer": True}
    )
    assert closed.json()["status"] == "closed"


def test_transitions(api_a: Api, agent_api: Api, case_a: Case) -> None:
    n = case_a.number
    assert_error(api_a.post(f"/cases/{n}/transitions", {"status": "on_hold"}), 422)
    assert_error(
        api_a.post(f"/cases/{n}/transitions", {"status": "closed", "on_behalf_of_customer": True}),
        422,
    )
    assert api_a.post(f"/cases/{n}/transitions", {"status": "closed"}).json()["status"] == "closed"
    assert_error(
        agent_api.post(f"/cases/{n}/transitions", {"status": "on_hold"}), 409, "invalid_transition"
    )
    assert api_a.post(f"/cases/{n}/transitions", {"status": "open"}).json()["status"] == "open"
    assert_error(agent_api.post(f"/cases/{n}/transitions", {"status": "closed"}), 403)
    response = agent_api.post(f"/cases/{n}/transitions", {"status": "waiting_on_customer"})
    assert response.json()["status"] == "waiting_on_customer"


def test_messages_with_attachments_and_internal_notes(
    api_a: Api, agent_api: Api, case_a: Case
) -> None:
    n = case_a.number
    response = api_a.multipart(
        f"/cases/{n}/messages",
        {"body": "Here is a screenshot", "attachments": [_file("shot.png")]},
    )
    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["channel"] == "api"
    assert reply["from_customer"] is True
    assert [a["filename"] for a in reply["attachments"]] == ["shot.png"]
    download = api_a.client.get(
        reply["attachments"][0]["url"], headers={"Authorization": f"Bearer {api_a.token}"}
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == factories.PNG_BYTES
    note = agent_api.multipart(
        f"/cases/{n}/messages", {"body": "internal only", "kind": "note"}
    ).json()
    assert note["kind"] == "note"
    assert_error(api_a.multipart(f"/cases/{n}/messages", {"body": "x", "kind": "note"}), 403)
    assert_error(api_a.multipart(f"/cases/{n}/messages", {"body": "x", "then_status": "open"}), 403)
    assert_error(api_a.multipart(f"/cases/{n}/messages", {"body": "x", "author": "1"}), 422)
    bad = api_a.multipart(f"/cases/{n}/messages", {"body": "x", "attachments": [_file("a.exe")]})
    assert_error(bad, 422, "attachment_type_not_allowed")
    contact_view = [m["body"] for m in api_a.get(f"/cases/{n}/messages").json()]
    agent_view = [m["body"] for m in agent_api.get(f"/cases/{n}/messages").json()]
    assert "internal only" not in contact_view
    assert "internal only" in agent_view
    assert Message.objects.filter(case=case_a).count() == 3


def test_rank_move_and_order(api_a: Api, agent_api: Api, contact_a: Any, product: Any) -> None:
    first, second = (factories.make_case(contact_a, product) for _ in range(2))
    assert api_a.post(f"/cases/{second.number}/move", {"direction": "up"}).status_code == 204
    second.refresh_from_db()
    assert second.rank == 1
    assert api_a.put("/cases/order", {"numbers": [first.number, second.number]}).status_code == 204
    first.refresh_from_db()
    assert first.rank == 1
    stale = assert_error(api_a.put("/cases/order", {"numbers": [first.number]}), 409, "conflict")
    assert stale["details"] == {"missing": [second.number], "not_open": [], "repeated": []}
    twice = api_a.put("/cases/order", {"numbers": [first.number, first.number, second.number]})
    assert assert_error(twice, 409)["details"]["repeated"] == [first.number]
    assert_error(
        api_a.put("/cases/order", {"numbers": [], "organization": contact_a.organization_id}), 422
    )
    response = agent_api.put(
        "/cases/order",
        {"numbers": [second.number, first.number], "organization": contact_a.organization_id},
    )
    assert response.status_code == 204
    assert CaseEvent.objects.filter(case=first, kind="rank_changed").count() == 3


def test_unknown_path_and_method_have_the_error_shape(agent_api: Api, case_a: Case) -> None:
    assert_error(agent_api.get("/no/such/thing"), 404, "not_found")
    response = agent_api.client.delete(
        f"/api/v1/cases/{case_a.number}", headers={"Authorization": f"Bearer {agent_api.token}"}
    )
    error = assert_error(response, 405, "method_not_allowed")
    assert "GET" in error["details"]["allowed"]


def test_docs_and_schema_are_served(client: Any) -> None:
    def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys  # Swagger UI refuses such a document
        return dict(pairs)

    raw = client.get("/api/v1/openapi.json").content
    schema = json.loads(raw, object_pairs_hook=no_duplicate_keys)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cases" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def _file(name: str) -> io.BytesIO:
    data = io.BytesIO(factories.PNG_BYTES)
    data.name = name
    return data


def test_status_enum_round_trip(agent_api: Api, case_a: Case) -> None:
    statuses = {c["status"] for c in agent_api.get("/cases").json()["items"]}
    assert statuses <= set(Status.values)


def test_every_intake_outcome_over_the_api(api_as: Any, org_a: Any, product: Any) -> None:
    from casedesk.customers.models import ContactRole, Vendor

    reference = factories.make_contact(org_a, email="ref@a.test", role="general")
    colleague = factories.make_contact(org_a, email="colleague@a.test")
    ContactRole.objects.filter(contact=colleague).delete()
    error = assert_error(
        api_as(colleague.user).post("/cases", _new_case(product)), 403, "intake_refused"
    )
    assert error["details"]["reason"] == "not_designated"
    assert reference.name in error["message"]
    other = factories.make_product("Not covered")
    error = assert_error(
        api_as(reference.user).post("/cases", _new_case(other)), 403, "intake_refused"
    )
    assert error["details"]["reason"] == "product_not_covered"
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    response = api_as(colleague.user).post("/cases", _new_case(product))
    assert response.status_code == 202, response.content
    assert not Case.objects.exists()


def test_list_names_products_and_assignees_like_the_case_does(
    agent_api: Api, agent: Any, case_a: Any, contact_a: Any
) -> None:
    from casedesk.accounts.models import User
    from casedesk.customers.models import Product

    def listed(number: str) -> dict[str, Any]:
        items = agent_api.get("/cases").json()["items"]
        return next(item for item in items if item["number"] == number)

    Case.objects.filter(pk=case_a.pk).update(assignee=agent)
    assert agent_api.get("/cases").status_code == 200  # product and agent names now cached
    # Made by another process (no signal reaches this one's cache) …
    (product,) = Product.objects.bulk_create([Product(name="Timesheets", code="ts")])
    (former,) = User.objects.bulk_create(
        [User(email="former@vendor.test", full_name="Former Agent", is_staff=False)]
    )
    Case.objects.filter(pk=case_a.pk).update(product=product, assignee=former)
    # … still named: ids the cache does not know are read directly.
    item = listed(case_a.number)
    assert item["product"] == {"id": product.pk, "name": "Timesheets"}
    assert item["assignee"] == {
        "id": former.pk,
        "name": "Former Agent",
        "email": "former@vendor.test",
    }
    single = agent_api.get(f"/cases/{case_a.number}").json()
    assert {k: single[k] for k in ("product", "assignee")} == {
        k: item[k] for k in ("product", "assignee")
    }
    # A rename in this process counts at once.
    agent.full_name = "Agent Renamed"
    agent.save()
    Case.objects.filter(pk=case_a.pk).update(assignee=agent)
    assert listed(case_a.number)["assignee"]["name"] == "Agent Renamed"


def test_oversized_and_overfull_requests_are_413_not_500(
    api_a: Api, case_a: Case, product: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = api_a.post("/cases", _new_case(product, description="x" * 20_000))
    assert assert_error(big, 413, "too_large")["details"] == {"limit": 10_000}
    n = case_a.number
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert_error(api_a.multipart(f"/cases/{n}/messages", {**fields, "body": "hi"}), 413)
    files = [_file(f"{i}.png") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    many = api_a.multipart(f"/cases/{n}/messages", {"body": "x", "attachments": files})
    assert_error(many, 413, "too_large")
    assert Case.objects.count() == 1
    assert case_a.messages.count() == 1


def test_a_file_under_an_unknown_field_name_is_refused_not_dropped(
    api_a: Api, case_a: Case
) -> None:
    response = api_a.multipart(
        f"/cases/{case_a.number}/messages", {"body": "see file", "file": _file("shot.png")}
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"]["errors"][0]["loc"] == ["form", "file"]
    assert case_a.messages.count() == 1


def test_intake_data_is_checked_whole_never_cut_or_dropped(api_a: Api, product: Any) -> None:
    from casedesk.cases.models import IntakeField

    IntakeField.objects.create(product=product, key="version", label="Version", required=False)
    IntakeField.objects.create(product=product, key="users", label="Users", kind="number")
    ok = api_a.post("/cases", _new_case(product, intake_data={"version": "v" * 2000, "users": "3"}))
    assert ok.status_code == 201, ok.content
    assert ok.json()["intake_data"] == {"version": "v" * 2000, "users": "3"}
    for sent, key in (
        ({"version_typo": "7.2.1", "users": "3"}, "version_typo"),
        ({"version": "v" * 2001, "users": "3"}, "version"),
        ({"users": "²"}, "users"),
    ):
        error = assert_error(api_a.post("/cases", _new_case(product, intake_data=sent)), 422)
        assert (error["code"], list(error["details"])) == ("missing_required_field", [key])
        assert error["message"] == "Some information is not valid."
    missing = assert_error(api_a.post("/cases", _new_case(product, intake_data={})), 422)
    assert missing["message"] == "Some required information is missing."
    assert Case.objects.count() == 1


def test_a_json_reply_is_told_to_use_multipart(api_a: Api, case_a: Case) -> None:
    error = assert_error(
        api_a.post(f"/cases/{case_a.number}/messages", {"body": "json reply"}),
        415,
        "unsupported_media_type",
    )
    assert "multipart/form-data" in error["message"]
    assert case_a.messages.count() == 1


def test_a_list_item_is_the_case_as_its_own_page_shows_it(
    api_a: Api, agent_api: Api, sla: Any, product: Any, case_a: Any, agent: Any
) -> None:
    """List pages are written from their rows without the response models; each item must
    still be what the models give for the single case, and the page valid against CasePage."""
    from casedesk.cases.schemas import CasePage

    Case.objects.filter(pk=case_a.pk).update(assignee=agent)
    opened = api_a.post(
        "/cases",
        {
            "product": product.pk,
            "subject": "With clocks",
            "description": "SLA clocks run.",
            "category": "problem",
            "severity": 2,
            "intake_data": {},
        },
    ).json()
    for api in (api_a, agent_api):
        page = api.get("/cases").json()
        assert CasePage.model_validate(page).model_dump(mode="json") == page
        for number in (case_a.number, opened["number"]):
            (item,) = [i for i in page["items"] if i["number"] == number]
            assert item == api.get(f"/cases/{number}").json()
    agent_item = agent_api.get("/cases").json()["items"][0]
    assert agent_item["sla"], "the SLA clocks are on the page"
