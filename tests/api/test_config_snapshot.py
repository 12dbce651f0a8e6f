"""An API request reads the configuration version once, however many cached reads it makes,
and sees a change made elsewhere from the next request on."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.core.test_configcache import _in_another_process


def _new_case(product: Any) -> dict[str, Any]:
    return {
        "product": product.pk,
        "subject": "Printing fails",
        "description": "Nothing comes out.",
        "category": "problem",
        "severity": 2,
    }


@pytest.mark.django_db(transaction=True)
def test_a_request_reads_the_version_once(product: Any, contact_a: Any, api_as: Any) -> None:
    api = api_as(contact_a.user)
    new_case = _new_case(product)
    assert api.post("/cases", new_case).status_code == 201  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/cases", new_case).status_code == 201
    # Product, intake fields, SLA targets and webhook endpoints: one check for all four.
    assert sum("core_configversion" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_elsewhere_counts_from_the_next_request(
    product: Any, contact_a: Any, api_as: Any
) -> None:
    api = api_as(contact_a.user)
    new_case = _new_case(product)
    first = api.post("/cases", new_case)
    assert first.json()["product"]["name"] == product.name  # and cached
    _in_another_process(
        "from casedesk.customers.models import Product; "
        f"p = Product.objects.get(pk={product.pk}); p.name = 'Renamed'; p.save()"
    )
    assert api.post("/cases", new_case).json()["product"]["name"] == "Renamed"
