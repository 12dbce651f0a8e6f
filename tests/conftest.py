"""Shared personas: an agent, a contact of organization A, a contact of organization B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests import factories
from tests.services import need


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    from huey.contrib.djhuey import HUEY

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Jobs run inline in tests, right after the transaction that queued them commits.
    HUEY.immediate = True
    return


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("django_db_blocker")
        need(
            connection.vendor == "postgresql",
            "needs PostgreSQL: run with DATABASE_URL=postgres://root@127.0.0.1:5432/test",
        )


@pytest.fixture
def product(db: None) -> Any:
    return factories.make_product("Journal")


@pytest.fixture
def other_product(db: None) -> Any:
    return factories.make_product("Booking")


@pytest.fixture
def agent(db: None) -> Any:
    return factories.make_agent("agent@vendor.test")


@pytest.fixture
def org_a(product: Any) -> Any:
    return factories.make_organization("Org A", products=[product])


@pytest.fixture
def org_b(product: Any) -> Any:
    return factories.make_organization("Org B", products=[product])


@pytest.fixture
def contact_a(org_a: Any) -> Any:
    return factories.make_contact(org_a, email="anna@a.test")


@pytest.fixture
def contact_b(org_b: Any) -> Any:
    return factories.make_contact(org_b, email="bob@b.test")


@pytest.fixture
def case_a(contact_a: Any, product: Any) -> Any:
    return factories.make_case(contact_a, product, uploads=[factories.png_upload()])


@pytest.fixture
def case_b(contact_b: Any, product: Any) -> Any:
    return factories.make_case(
        contact_b,
        product,
        subject="B's secret problem",
        uploads=[factories.png_upload("b-secret.png")],
    )
