"""Bodies whose schema depends on the caller's role (agent or contact): a 422 lists only the
problems with the caller's own schema, at plain body locations, and the OpenAPI document
still describes both schemas."""

from __future__ import annotations

from typing import Any

from casedesk.cases.models import Case
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


def _problems(response: Any) -> list[tuple[tuple[Any, ...], str]]:
    error = assert_error(response, 422, "validation_error")
    return sorted((tuple(e["loc"]), e["type"]) for e in error["details"]["errors"])


def test_a_contact_is_told_only_about_the_contact_schema(api_a: Api, product: Any) -> None:
    response = api_a.post("/cases", _new_case(product, severity=99))
    assert _problems(response) == [(("body", "severity"), "enum")]


def test_an_agent_is_told_only_about_the_agent_schema(
    agent_api: Api, contact_a: Any, product: Any
) -> None:
    response = agent_api.post("/cases", _new_case(product, severity=99))
    assert _problems(response) == [
        (("body", "requester"), "missing"),
        (("body", "severity"), "enum"),
    ]
    ok = agent_api.post("/cases", _new_case(product, requester=contact_a.pk))
    assert ok.status_code == 201, ok.content


def test_an_agent_only_field_from_a_contact_is_refused_by_name(
    api_a: Api, product: Any, agent: Any
) -> None:
    for field, value in (("requester", 1), ("channel", "phone")):
        error = assert_error(api_a.post("/cases", _new_case(product, **{field: value})), 422)
        assert error["details"]["errors"] == [
            {
                "loc": ["body", field],
                "msg": "This parameter is not allowed for you.",
                "type": "extra_forbidden",
            }
        ]
    # Not in any schema: refused as unknown, for a contact as for an agent.
    assert _problems(api_a.post("/cases", _new_case(product, assignee=agent.pk))) == [
        (("body", "assignee"), "extra_forbidden")
    ]
    assert not Case.objects.exists()


def test_transition_errors_follow_the_callers_role(
    api_a: Api, agent_api: Api, case_a: Case
) -> None:
    path = f"/cases/{case_a.number}/transitions"
    assert _problems(api_a.post(path, {"status": "nonsense"})) == [
        (("body", "status"), "literal_error")
    ]
    assert _problems(agent_api.post(path, {"status": "nonsense"})) == [(("body", "status"), "enum")]
    assert _problems(api_a.post(path, {"status": "closed", "on_behalf_of_customer": True})) == [
        (("body", "on_behalf_of_customer"), "extra_forbidden")
    ]


def test_order_errors_follow_the_callers_role(api_a: Api, agent_api: Api, case_a: Case) -> None:
    assert _problems(api_a.put("/cases/order", {"numbers": 5})) == [
        (("body", "numbers"), "list_type")
    ]
    assert _problems(agent_api.put("/cases/order", {"numbers": 5})) == [
        (("body", "numbers"), "list_type"),
        (("body", "organization"), "missing"),
    ]
    assert _problems(api_a.put("/cases/order", [case_a.number])) == [(("body",), "dict_type")]


def test_single_schema_bodies_use_the_same_locations(agent_api: Api, case_a: Case) -> None:
    response = agent_api.patch(f"/cases/{case_a.number}", {"severity": 99, "x": 1})
    assert _problems(response) == [
        (("body", "severity"), "enum"),
        (("body", "x"), "extra_forbidden"),
    ]


def test_the_openapi_document_describes_both_bodies(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path, method, agent, contact in (
        ("/api/v1/cases", "post", "AgentCaseIn", "ContactCaseIn"),
        ("/api/v1/cases/order", "put", "AgentOrderIn", "ContactOrderIn"),
        ("/api/v1/cases/{number}/transitions", "post", "AgentTransitionIn", "ContactTransitionIn"),
    ):
        body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
        refs = {option["$ref"] for option in body["schema"]["anyOf"]}
        assert refs == {f"#/components/schemas/{agent}", f"#/components/schemas/{contact}"}
        assert {agent, contact} <= set(schema["components"]["schemas"])


def test_an_agent_cannot_open_a_case_on_the_desk_channel(
    agent_api: Api, client: Any, contact_a: Any, product: Any
) -> None:
    """The desk is where agents answer, not a way in: the body's schema says which channels
    a case comes in by, so the document does not offer what the operation refuses."""
    response = agent_api.post("/cases", _new_case(product, requester=contact_a.pk, channel="desk"))
    assert _problems(response) == [(("body", "channel"), "literal_error")]
    assert not Case.objects.exists()
    document = client.get("/api/v1/openapi.json").json()
    channel = document["components"]["schemas"]["AgentCaseIn"]["properties"]["channel"]
    assert sorted(channel["enum"]) == ["api", "email", "phone", "portal"]
    response = agent_api.post("/cases", _new_case(product, requester=contact_a.pk, channel="phone"))
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "phone"


def test_the_schemas_intake_channels_are_the_models() -> None:
    from typing import get_args

    from casedesk.cases.models import INTAKE_CHANNELS
    from casedesk.cases.schemas import IntakeChannel

    assert set(get_args(IntakeChannel)) == {str(c) for c in INTAKE_CHANNELS}
