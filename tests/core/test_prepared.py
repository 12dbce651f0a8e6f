"""Prepared queries give what the ORM gives, for any values, and refuse what they cannot do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casedesk.cases.models import Case
from casedesk.core.prepared import NotPreparable, PreparedModelQuery, PreparedQuery
from casedesk.customers.models import Contract
from tests import factories

_cases_of = PreparedQuery(
    lambda organization_id, subject: (
        Case.objects.filter(organization_id=organization_id, subject=subject)
        .order_by("id")
        .values_list("id", "number", "created_at", "intake_data", "meeting_requested")
    ),
    int,
    str,
)
_contracts_on = PreparedModelQuery(
    lambda organization_id, day: Contract.objects.filter(
        organization_id=organization_id, valid_from__lte=day
    ).filter(valid_to__gte=day),  # the date lands twice
    int,
    date,
)


@pytest.mark.django_db
def test_rows_match_the_orm_for_each_set_of_values(
    contact_a: Any, contact_b: Any, product: Any
) -> None:
    for contact in (contact_a, contact_a, contact_b):
        factories.make_case(contact, product, subject="Printing fails")
    factories.make_case(contact_a, product, subject="Other")
    for contact in (contact_a, contact_b):
        for subject in ("Printing fails", "Other", "None such"):
            expected = list(
                Case.objects.filter(organization_id=contact.organization_id, subject=subject)
                .order_by("id")
                .values_list("id", "number", "created_at", "intake_data", "meeting_requested")
            )
            assert _cases_of.rows(contact.organization_id, subject) == expected


@pytest.mark.django_db
def test_a_datetime_is_not_a_date(org_a: Any) -> None:
    with pytest.raises(TypeError):
        _contracts_on.all(org_a.pk, datetime(2026, 3, 1, tzinfo=UTC))


@pytest.mark.django_db
def test_model_instances_with_a_date_used_twice(org_a: Any, org_b: Any) -> None:
    today = date(2026, 3, 1)
    Contract.objects.filter(organization=org_a).update(
        valid_from=today - timedelta(days=10), valid_to=today + timedelta(days=10)
    )
    found = _contracts_on.all(org_a.pk, today)
    assert [c.pk for c in found] == list(
        Contract.objects.filter(organization=org_a).values_list("pk", flat=True)
    )
    assert found
    assert found[0].valid_to == today + timedelta(days=10)
    assert found[0].organization == org_a  # a normal instance: relations load
    assert _contracts_on.all(org_a.pk, today + timedelta(days=11)) == []
    assert _contracts_on.first(org_b.pk, today) is None


@pytest.mark.django_db
def test_one_query_per_call(contact_a: Any) -> None:
    _cases_of.rows(contact_a.organization_id, "x")
    with CaptureQueriesContext(connection) as queries:
        _cases_of.rows(contact_a.organization_id, "y")
    assert len(queries) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [((None, "x"), TypeError), ((1, 2), TypeError), ((True, "x"), TypeError), ((1,), TypeError)],
)
def test_values_of_the_wrong_kind_are_refused(args: tuple[Any, ...], error: type) -> None:
    with pytest.raises(error):
        _cases_of.rows(*args)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "build",
    [
        # A LIKE pattern wraps the value: it is not among the parameters as given.
        lambda text: Case.objects.filter(subject__icontains=text).values_list("id"),
        # The SQL depends on the value.
        lambda text: Case.objects.filter(
            **({"subject": text} if "-0-" in text else {"number": text})
        ).values_list("id"),
        # Model querysets go through PreparedModelQuery.
        lambda text: Case.objects.filter(subject=text),
    ],
)
def test_querysets_that_cannot_be_prepared_say_so(build: Any) -> None:
    with pytest.raises(NotPreparable):
        PreparedQuery(build, str).rows("x")
