"""The write shortcut gives, field by field, exactly what save() writes, and steps aside
for anything it does not know."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models
from django.db.models import F

from casedesk.cases.models import Case, CaseEvent, Message
from casedesk.core.dbvalues import SLOW, FieldWriter
from casedesk.core.prepared import _db_value
from casedesk.mail.models import InboundMail, OutboundMail
from casedesk.sla.models import SLATimer
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")


def _writers(model: type[models.Model]) -> list[FieldWriter]:
    return [FieldWriter(f, connection) for f in model._meta.local_concrete_fields]


def _check_every_field(obj: models.Model, *, add: bool) -> int:
    """Asserts shortcut == ORM for each field; returns how many took the shortcut."""
    taken = 0
    for writer in _writers(type(obj)):
        fast = writer.value(obj)
        if fast is SLOW:
            continue
        taken += 1
        slow = _db_value(writer.field, obj, connection, add=add)
        assert (type(fast), fast) == (type(slow), slow), writer.field.name
    return taken


@pytest.mark.django_db
def test_a_new_case_message_and_event_write_what_save_writes(
    contact_a: Any, product: Any, agent: Any
) -> None:
    # Datetimes in another zone than UTC and the database's, at microsecond edges.
    when = datetime(2026, 3, 29, 2, 59, 59, 999999, tzinfo=OSLO)
    case = Case(
        organization=contact_a.organization,
        product=product,
        requester=contact_a,
        assignee=agent,
        number="2026-000001",
        subject="Utskrift feiler – æøå",
        category="problem",
        severity=2,
        rank=3,
        queue_class=2,
        queue_due_at=when,
        intake_data={"version": "11.2"},
        channel="api",
        created_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        updated_at=when + timedelta(microseconds=1),
        meeting_requested=True,
    )
    taken = _check_every_field(case, add=True)
    json_fields = sum(isinstance(f, models.JSONField) for f in Case._meta.local_concrete_fields)
    # Every field but the primary key (None, not nullable) and JSON takes the shortcut.
    assert taken == len(Case._meta.local_concrete_fields) - 1 - json_fields
    saved = factories.make_case(contact_a, product)
    message = Message(
        case=saved, author=agent, kind="reply", channel="api", body="Hei", created_at=when
    )
    assert _check_every_field(message, add=True) > 0
    event = CaseEvent(
        case=saved, actor=None, kind="created", new_value="x", data={}, created_at=when
    )
    assert _check_every_field(event, add=True) > 0


@pytest.mark.django_db
def test_saved_rows_of_other_hot_models_write_what_save_writes(
    contact_a: Any, product: Any
) -> None:
    case = factories.make_case(contact_a, product)
    when = datetime(2026, 10, 25, 2, 30, tzinfo=OSLO)
    _check_every_field(
        InboundMail(source="pipe", dedup_key="k", raw=b"x", size=1, received_at=when), add=True
    )
    _check_every_field(
        OutboundMail(
            key="k", kind="receipt", case=case, to_address="a@example.test", created_at=when
        ),
        add=True,
    )
    _check_every_field(SLATimer(case=case, metric="first_response", due_at=when), add=True)
    _check_every_field(case, add=False)


@pytest.mark.django_db
def test_values_of_another_type_take_the_orm_path(contact_a: Any, product: Any) -> None:
    case = factories.make_case(contact_a, product)
    writers = {w.field.name: w for w in _writers(Case)}
    case.rank = "3"  # type: ignore[assignment]  # the ORM converts it to 3
    case.severity = True  # type: ignore[assignment]  # a bool is no int here
    case.meeting_requested = None  # type: ignore[assignment]  # not nullable: the ORM refuses
    case.subject = F("number")  # type: ignore[assignment]  # an expression
    for name in ("rank", "severity", "meeting_requested", "subject"):
        assert writers[name].value(case) is SLOW, name
    assert _db_value(writers["rank"].field, case, connection, add=False) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        case.updated_at = datetime(2026, 3, 9, 8, 0)  # noqa: DTZ001 - naive: the ORM warns
        assert writers["updated_at"].value(case) is SLOW
    case.closed_at = None  # nullable: None is written as is
    assert writers["closed_at"].value(case) is None


def test_automatic_timestamps_and_unknown_field_classes_take_the_orm_path() -> None:
    stamped = models.DateTimeField(auto_now=True)
    stamped.set_attributes_from_name("stamped")
    assert FieldWriter(stamped, connection).value(Case()) is SLOW
    for field in (models.EmailField(), models.DecimalField(), models.JSONField()):
        field.set_attributes_from_name("x")
        assert FieldWriter(field, connection).kind is None
