"""Organizations, contacts, contracts and products (agents), and calendars (everyone)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests import factories
from tests.api.conftest import Api, assert_error


def test_agent_reads_organizations_contacts_and_contracts(
    agent_api: Api, org_a: Any, org_b: Any, contact_a: Any, contact_b: Any
) -> None:
    org_a.sites.create(name="Campus North")
    page = agent_api.get("/organizations", {"limit": 1}).json()
    assert [o["name"] for o in page["items"]] == ["Org A"]
    assert page["items"][0]["sites"] == [{"id": org_a.sites.get().pk, "name": "Campus North"}]
    second = agent_api.get("/organizations", {"cursor": page["next_cursor"]}).json()
    assert [o["name"] for o in second["items"]] == ["Org B"]
    assert agent_api.get(f"/organizations/{org_b.pk}").json()["name"] == "Org B"
    contacts = agent_api.get("/contacts", {"organization": org_a.pk}).json()["items"]
    assert [c["email"] for c in contacts] == ["anna@a.test"]
    assert contacts[0]["roles"][0]["role"] == "general"
    assert agent_api.get(f"/contacts/{contact_b.pk}").json()["organization"]["name"] == "Org B"
    contracts = agent_api.get("/contracts", {"organization": org_b.pk}).json()["items"]
    assert [c["organization"]["id"] for c in contracts] == [org_b.pk]
    contract_id = contracts[0]["id"]
    assert agent_api.get(f"/contracts/{contract_id}").json()["standing"] == "active"
    assert_error(agent_api.get("/organizations/999999"), 404)
    assert_error(agent_api.get("/contacts", {"name": "x"}), 422)


def test_a_contract_names_the_calendar_its_support_keeps(
    agent_api: Api, policy: Any, org_a: Any, org_b: Any, django_assert_max_num_queries: Any
) -> None:
    from casedesk.sla.models import Calendar, SLAPolicy

    night = Calendar.objects.create(name="Round the clock", time_zone="Europe/Oslo")
    org_b.contracts.update(sla_policy=SLAPolicy.objects.create(name="24/7", calendar=night))
    with django_assert_max_num_queries(8):
        contracts = agent_api.get("/contracts").json()["items"]
    calendars = {c["organization"]["id"]: c["calendar"] for c in contracts}
    assert calendars[org_a.pk] == {"id": policy.calendar.pk, "name": "Office"}  # the default
    assert calendars[org_b.pk] == {"id": night.pk, "name": "Round the clock"}
    status = agent_api.get(f"/calendars/{night.pk}")
    assert status.status_code == 200


def test_integrations_find_a_contact_by_phone_or_email(
    agent_api: Api, api_a: Api, contact_a: Any, contact_b: Any
) -> None:
    contact_a.phone = "+47 912 34-567"
    contact_a.save()
    contact_b.phone = "(030) 123 45 67"
    contact_b.save()
    for query, found in (
        ({"phone": "+4791234567"}, [contact_a.pk]),  # a caller ID
        ({"phone": "+47 912 34 567"}, [contact_a.pk]),
        ({"phone": "0301234567"}, [contact_b.pk]),
        ({"phone": "+4700000000"}, []),
        ({"email": contact_a.email.upper()}, [contact_a.pk]),
        ({"email": contact_a.email, "organization": contact_b.organization_id}, []),
    ):
        page = agent_api.get("/contacts", query).json()
        assert [c["id"] for c in page["items"]] == found, query
    assert_error(api_a.get("/contacts", {"phone": "+4791234567"}), 403)


def test_the_phone_lookup_is_an_index_seek(contact_a: Any) -> None:
    from django.db import connection

    from casedesk.customers.models import Contact
    from casedesk.customers.queries import contacts_by_phone

    if connection.vendor != "sqlite":
        return
    sql, params = contacts_by_phone(Contact.objects.all(), "+4791234567").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "contact_phone_key" in plan, plan


def test_products_per_role(agent_api: Api, api_a: Api, product: Any, org_a: Any) -> None:
    other = factories.make_product("Not covered")
    assert {p["name"] for p in agent_api.get("/products").json()} == {product.name, other.name}
    assert [p["name"] for p in api_a.get("/products").json()] == [product.name]


def test_calendar_open_now_and_next_opening(api_a: Api, office: Any, frozen: Any) -> None:
    oslo = ZoneInfo("Europe/Oslo")
    frozen(datetime(2026, 3, 6, 15, 30, tzinfo=oslo))  # a Friday, open 08-16
    assert [c["name"] for c in api_a.get("/calendars").json()] == ["Office"]
    body = api_a.get(f"/calendars/{office.pk}", {"days": 3}).json()
    assert body["open_now"] is True
    assert len(body["days"]) == 3
    assert body["days"][0]["intervals"] == [["08:00", "16:00"]]
    assert body["days"][1]["closed"] is True  # Saturday
    frozen(datetime(2026, 3, 6, 17, 0, tzinfo=oslo))
    body = api_a.get(f"/calendars/{office.pk}").json()
    assert body["open_now"] is False
    assert datetime.fromisoformat(body["next_opening"]) == datetime(2026, 3, 9, 8, tzinfo=oslo)
    assert_error(api_a.get(f"/calendars/{office.pk}", {"days": 0}), 422)
    assert_error(api_a.get("/calendars/999999"), 404)


def test_agent_sees_sla_due_times_on_cases(agent_api: Api, sla: Any, case_a: Any) -> None:
    body = agent_api.get(f"/cases/{case_a.number}").json()
    metrics = {t["metric"]: t for t in body["sla"]}
    assert {"first_response", "resolution"} <= set(metrics)
    assert body["due_at"] == min(t["due_at"] for t in body["sla"] if t["state"] == "running")


def test_the_case_list_shows_the_same_clocks_as_the_case(
    agent_api: Api, sla: Any, case_a: Any
) -> None:
    from casedesk.sla.models import SLATimer

    def listed() -> list[dict[str, Any]]:
        items = agent_api.get("/cases", {"q": case_a.number}).json()["items"]
        return next(item["sla"] for item in items if item["number"] == case_a.number)

    single = agent_api.get(f"/cases/{case_a.number}").json()["sla"]
    assert listed() == single
    assert not any(t["breached"] for t in single)
    timer = SLATimer.objects.filter(case=case_a, metric="first_response").get()
    SLATimer.objects.filter(pk=timer.pk).update(breached_cycle=timer.cycle)
    breached = {t["metric"]: t["breached"] for t in listed()}
    assert breached["first_response"] is True
    assert breached["resolution"] is False
    assert listed() == agent_api.get(f"/cases/{case_a.number}").json()["sla"]
