"""An API request reads the configuration version once, however many cached reads it makes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db(transaction=True)
def test_a_request_reads_the_version_once(product: Any, contact_a: Any, api_as: Any) -> None:
    api = api_as(contact_a.user)
    new_case = {
        "product": product.pk,
        "subject": "Printing fails",
        "description": "Nothing comes out.",
        "category": "problem",
        "severity": 2,
    }
    assert api.post("/cases", new_case).status_code == 201  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/cases", new_case).status_code == 201
    # Product, intake fields, SLA targets and webhook endpoints: one check for all four.
    assert sum("core_configversion" in q["sql"] for q in queries.captured_queries) == 1
