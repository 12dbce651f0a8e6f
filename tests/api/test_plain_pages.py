"""List pages without filters run as prepared queries (cases.listing); with a filter, through
the ORM. Both must give every role the same cases, in the same order, page by page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.accounts.models import User
from casedesk.cases import listing
from casedesk.cases.models import Case
from tests import factories
from tests.api.conftest import Api

# A filter every case passes: it sends the same request through the ORM.
THROUGH_THE_ORM = {"updated_since": "2000-01-01T00:00:00Z"}


def _walk(api: Api, params: dict[str, Any]) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        answer = api.get("/cases", {**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        pages.append([item["number"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture(autouse=True)
def _small_pages_are_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages of two, to walk several pages of a few cases on the prepared path.
    monkeypatch.setattr(listing, "PREPARED_SIZES", frozenset({2}))


@pytest.fixture
def cases(contact_a: Any, contact_b: Any, product: Any) -> list[Case]:
    colleague = factories.make_contact(contact_a.organization, email="colleague@a.test")
    made = [
        factories.make_case(contact, product, subject=f"Case {i}", severity=1 + i % 3)
        for i, contact in enumerate([contact_a, colleague, contact_b] * 3)
    ]
    # Ties on updated_at and on rank: the id decides, on both paths.
    same = datetime(2026, 3, 2, 9, tzinfo=UTC)
    Case.objects.filter(pk__in=[c.pk for c in made[:4]]).update(updated_at=same)
    Case.objects.filter(pk=made[0].pk).update(status="closed", rank=0)
    return made


@pytest.mark.parametrize("sort", ["-updated_at", "queue", "rank"])
def test_plain_pages_match_the_orm_for_every_role(
    cases: list[Case], api_as: Any, agent: Any, contact_a: Any, sort: str
) -> None:
    colleague = User.objects.get(email="colleague@a.test")
    colleague.contact.roles.all().delete()  # not designated: sees only their own cases
    users = [agent, contact_a.user, colleague]
    for user in users:
        api = api_as(user)
        params = {"sort": sort, "limit": 2}
        plain = _walk(api, params)
        assert plain == _walk(api, {**params, **THROUGH_THE_ORM}), user
        listed = {number for page in plain for number in page}
        visible = Case.objects.all()
        if not user.is_agent:
            visible = visible.filter(organization=contact_a.organization)
        if user == colleague:
            visible = visible.filter(requester=colleague.contact)
        if sort != "-updated_at":
            visible = visible.exclude(status="closed")
        assert listed == set(visible.values_list("number", flat=True)), user
        assert len(plain) > 1 or user == colleague


def test_a_user_who_is_no_contact_sees_no_cases(cases: list[Case], api_as: Any) -> None:
    stranger = User.objects.create_user("stranger@nowhere.test", "pw")
    assert _walk(api_as(stranger), {}) == [[]]


def test_a_plain_page_is_one_query(cases: list[Case], api_as: Any, agent: Any) -> None:
    api = api_as(agent)
    api.get("/cases", {"limit": 2})  # prepared, and names cached
    cursor = api.get("/cases", {"limit": 2}).json()["next_cursor"]
    for params in ({"limit": 2}, {"limit": 2, "cursor": cursor}):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/cases", params).status_code == 200
        reads = [q["sql"] for q in queries.captured_queries if "cases_case" in q["sql"]]
        assert len(reads) == 1, reads


def test_only_the_usual_page_sizes_are_prepared(cases: list[Case], api_as: Any, agent: Any) -> None:
    api = api_as(agent)
    assert _walk(api, {"limit": 3}) == _walk(api, {"limit": 3, **THROUGH_THE_ORM})
    _walk(api, {"limit": 2})
    sizes = {size for _kind, _ordering, _open, size, _cursor in listing._prepared}
    assert 2 in sizes
    assert 3 not in sizes  # a page of three went through the ORM
