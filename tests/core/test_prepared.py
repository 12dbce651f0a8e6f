"""Prepared queries give what the ORM gives, for any values, and refuse what they cannot do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Exists
from django.test.utils import CaptureQueriesContext

from casedesk.cases.models import Case
from casedesk.core.prepared import NotPreparable, PreparedModelQuery, PreparedQuery, SmallInt
from casedesk.customers.models import ContactRole, Contract
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


_contracts_with_role = PreparedModelQuery(
    lambda organization_id, contact_id: (
        Contract.objects.filter(organization_id=organization_id)
        .annotate(designated=Exists(ContactRole.objects.filter(contact_id=contact_id)))
        .order_by("pk")
    ),
    int,
    int,
    annotations=("designated",),
)


@pytest.mark.django_db
def test_annotations_come_beside_the_instances(contact_a: Any, contact_b: Any) -> None:
    ContactRole.objects.filter(contact=contact_b).delete()
    for contact, designated in ((contact_a, True), (contact_b, False)):
        found = _contracts_with_role.annotated(contact.organization_id, contact.pk)
        expected = list(Contract.objects.filter(organization_id=contact.organization_id))
        assert [c for c, _ in found] == expected
        assert found
        assert [bool(values[0]) for _, values in found] == [designated] * len(expected)
        assert _contracts_with_role.all(contact.organization_id, contact.pk) == expected
    assert _contracts_with_role.annotated(contact_a.organization_id, contact_b.pk)[0][1] in (
        (False,),
        (0,),
    )


_ranked_after = PreparedQuery(
    lambda organization_id, rank: (
        Case.objects.filter(organization_id=organization_id, rank__gt=rank)
        .order_by("rank")
        .values_list("rank", flat=False)
    ),
    int,
    SmallInt,
)


@pytest.mark.django_db
def test_an_argument_for_a_narrow_column_takes_plain_ints(contact_a: Any, product: Any) -> None:
    # An int placeholder is out of a rank's range: PostgreSQL's ORM would find the query
    # empty instead of compiling it.
    for _ in range(3):
        factories.make_case(contact_a, product)
    organization_id = contact_a.organization_id
    assert _ranked_after.rows(organization_id, 1) == [(2,), (3,)]
    assert _ranked_after.rows(organization_id, 3) == []
    with pytest.raises(TypeError):
        _ranked_after.rows(organization_id, True)


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


@pytest.mark.django_db
def test_an_insert_can_let_the_database_compute_a_column(contact_a: Any, product: Any) -> None:
    from casedesk.core.prepared import PreparedInsert

    insert = PreparedInsert(Case, computed={"rank": ("%s * 10 + %s", ("severity", "queue_class"))})
    case = factories.make_case(contact_a, product)
    copy = Case(**{**_row(Case, case.pk), "number": "2026-999999", "severity": 4})
    copy.rank = None
    insert.save(copy)
    assert copy.rank == 4 * 10 + copy.queue_class
    assert Case.objects.get(pk=copy.pk).rank == copy.rank
    with pytest.raises(NotPreparable, match="no fields"):
        PreparedInsert(Case, computed={"nothing": ("1", ())})


@pytest.mark.django_db(transaction=True)
def test_rows_with_reserved_keys_go_out_together_in_a_pipeline(
    contact_a: Any, product: Any
) -> None:
    from casedesk.cases.models import Message
    from casedesk.core.fastsql import pipeline
    from casedesk.core.prepared import PreparedInsert

    insert_case = PreparedInsert(Case, computed={"rank": ("%s * 10", ("severity",))})
    insert_message = PreparedInsert(Message)
    case = factories.make_case(contact_a, product)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))")
            reserved = cursor.fetchone()[0]
        else:
            reserved = case.pk + 1000
    copy = Case(**{**_row(Case, case.pk), "number": "2026-999998", "severity": 3})
    copy.pk, copy.rank = reserved, None
    message = Message(case=copy, author_contact=contact_a, body="first", created_at=copy.created_at)
    with transaction.atomic(), pipeline(connection):
        insert_case.save(copy)
        insert_message.save(message)  # points to the case's reserved key
        # On PostgreSQL nothing is answered yet; SQLite wrote each row as it came.
        assert (copy.rank is None) == (connection.vendor == "postgresql")
        assert (message.pk is None) == (connection.vendor == "postgresql")
    assert (copy.pk, copy.rank, copy._state.adding) == (reserved, 30, False)
    assert Case.objects.get(pk=reserved).rank == 30
    assert Message.objects.get(pk=message.pk).case_id == reserved


def _row(model: Any, pk: int) -> dict[str, Any]:
    return {
        f.attname: getattr(model.objects.get(pk=pk), f.attname)
        for f in model._meta.concrete_fields
        if not f.primary_key
    }


@pytest.mark.django_db
def test_an_insert_writes_what_save_writes(contact_a: Any, product: Any) -> None:
    from casedesk.cases.models import CaseEvent
    from casedesk.core.prepared import PreparedInsert
    from casedesk.mail.models import InboundMail

    case = factories.make_case(contact_a, product)
    when = datetime(2026, 3, 9, 8, 15, 30, 123456, tzinfo=UTC)

    def event() -> CaseEvent:
        # JSON with non-ASCII text and nesting, a boolean, a datetime with microseconds.
        return CaseEvent(
            case=case,
            kind="created",
            new_value="Sak 2026 – æøå",
            on_behalf_of_customer=True,
            data={"by": "Åse", "nested": [1, {"x": None}]},
            created_at=when,
        )

    by_orm = event()
    by_orm.save(force_insert=True)
    prepared = PreparedInsert(CaseEvent).save(event())
    assert prepared.pk is not None
    assert prepared.pk != by_orm.pk
    assert not prepared._state.adding
    assert _row(CaseEvent, prepared.pk) == _row(CaseEvent, by_orm.pk)

    raw = b"\x00\xff\r\nbinary"
    mail = PreparedInsert(InboundMail).save(
        InboundMail(source="pipe", dedup_key="k1", raw=raw, size=len(raw), received_at=when)
    )
    stored = InboundMail.objects.get(pk=mail.pk)
    assert bytes(stored.raw) == raw
    assert stored.state == InboundMail.State.RECEIVED
    assert stored.data == {}
    assert stored.received_at == when


@pytest.mark.django_db
def test_an_insert_refuses_what_save_would_refuse(contact_a: Any, product: Any) -> None:
    from django.db import IntegrityError, transaction
    from django.db.models import Value

    from casedesk.cases.models import CaseEvent
    from casedesk.core.prepared import PreparedInsert
    from casedesk.mail.models import InboundMail

    insert = PreparedInsert(CaseEvent)
    case = factories.make_case(contact_a, product)
    with pytest.raises(ValueError, match="unsaved related object"):
        insert.save(CaseEvent(case=Case(number="x"), kind="created", created_at=datetime.now(UTC)))
    saved = insert.save(CaseEvent(case=case, kind="created", created_at=datetime.now(UTC)))
    with pytest.raises(TypeError):
        insert.save(saved)  # already in the database
    with pytest.raises(NotPreparable):
        insert.save(CaseEvent(case=case, kind=Value("x"), created_at=datetime.now(UTC)))
    inbound = PreparedInsert(InboundMail)

    def mail() -> InboundMail:
        return InboundMail(
            source="pipe", dedup_key="same", raw=b"", size=0, received_at=datetime.now(UTC)
        )

    inbound.save(mail())
    with pytest.raises(IntegrityError), transaction.atomic():
        inbound.save(mail())
    with pytest.raises(NotPreparable):
        PreparedInsert(factories.Contact)  # its phone_key is a generated column


_created_since = PreparedQuery(
    lambda organization_id, since: (
        Case.objects.filter(organization_id=organization_id, created_at__gte=since)
        .order_by("id")
        .values_list("id", "created_at")
    ),
    int,
    datetime,
)


@pytest.mark.django_db
def test_datetimes_bind_as_the_orm_binds_them(contact_a: Any, product: Any) -> None:
    from zoneinfo import ZoneInfo

    made = [factories.make_case(contact_a, product) for _ in range(3)]
    moments = [datetime(2026, 3, 1, 9, 0, i, 123_000 * i, tzinfo=UTC) for i in range(3)]
    for case, moment in zip(made, moments, strict=True):
        Case.objects.filter(pk=case.pk).update(created_at=moment)
    oslo = ZoneInfo("Europe/Oslo")
    # The same instant in another zone, one microsecond either side of a row, and none.
    for since in (
        moments[1].astimezone(oslo),
        moments[1] + timedelta(microseconds=1),
        moments[1] - timedelta(microseconds=1),
        datetime(2030, 1, 1, tzinfo=UTC),
    ):
        expected = list(
            Case.objects.filter(organization_id=contact_a.organization_id, created_at__gte=since)
            .order_by("id")
            .values_list("id", "created_at")
        )
        assert _created_since.rows(contact_a.organization_id, since) == expected
    assert len(_created_since.rows(contact_a.organization_id, moments[1])) == 2


@pytest.mark.django_db
def test_a_naive_datetime_or_a_date_is_refused_for_a_datetime() -> None:
    with pytest.raises(TypeError):
        _created_since.rows(1, datetime(2026, 3, 1, 9, 0))  # noqa: DTZ001 - the point
    with pytest.raises(TypeError):
        _created_since.rows(1, date(2026, 3, 1))


@pytest.mark.django_db
def test_an_insert_can_skip_a_conflicting_row(contact_a: Any, product: Any) -> None:
    from casedesk.core.prepared import PreparedInsert
    from casedesk.mail.models import MessageId

    case = factories.make_case(contact_a, product)
    insert = PreparedInsert(MessageId, ignore_conflicts=True)

    def message_id(value: str) -> MessageId:
        return MessageId(
            key="same-key", value=value, case=case, direction="in", created_at=datetime.now(UTC)
        )

    first = insert.save(message_id("first@example.test"))
    assert first.pk is not None
    assert not first._state.adding
    second = insert.save(message_id("second@example.test"))
    assert second.pk is None  # as bulk_create(ignore_conflicts=True) leaves it
    assert second._state.adding
    assert list(MessageId.objects.filter(key="same-key").values_list("value", flat=True)) == [
        "first@example.test"
    ]


@pytest.mark.django_db
def test_an_update_writes_what_save_writes(contact_a: Any, product: Any) -> None:
    from casedesk.core.prepared import PreparedUpdate
    from casedesk.mail.models import InboundMail

    update = PreparedUpdate(InboundMail)
    when = datetime(2026, 3, 9, 8, 15, 30, 123456, tzinfo=UTC)
    case = factories.make_case(contact_a, product)

    def mail(key: str) -> InboundMail:
        return InboundMail.objects.create(
            source="pipe", dedup_key=key, raw=b"x", size=1, received_at=when
        )

    def change(row: InboundMail) -> None:
        # JSON with non-ASCII text, a foreign key set by object, a datetime, a boolean.
        row.state, row.attempts, row.auto_reply_allowed = "processed", 3, False
        row.case, row.processed_at = case, when + timedelta(seconds=1)
        row.data = {"why": "Ærlig talt – ja", "n": [1, None]}

    fields = ["state", "attempts", "auto_reply_allowed", "case", "processed_at", "data"]
    by_orm, prepared = mail("a"), mail("b")
    change(by_orm)
    by_orm.save(update_fields=fields)
    change(prepared)
    prepared.subject = "not written: not among the fields"
    update.save(prepared, update_fields=fields)
    written = _row(InboundMail, prepared.pk)
    expected = _row(InboundMail, by_orm.pk)
    assert {k: v for k, v in written.items() if k != "dedup_key"} == {
        k: v for k, v in expected.items() if k != "dedup_key"
    }
    assert written["subject"] == ""
    assert written["data"] == {"why": "Ærlig talt – ja", "n": [1, None]}


@pytest.mark.django_db
def test_an_update_refuses_what_save_would_refuse(contact_a: Any, product: Any) -> None:
    from django.db import DatabaseError

    from casedesk.core.prepared import PreparedUpdate

    update = PreparedUpdate(Case)
    case = factories.make_case(contact_a, product)
    with pytest.raises(TypeError):
        update.save(Case(number="unsaved"), update_fields=["subject"])
    with pytest.raises(ValueError, match="no field"):
        update.save(case, update_fields=["no_such_field"])
    with pytest.raises(NotPreparable):
        update.save(case, update_fields=["id"])
    gone = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).delete()
    with pytest.raises(DatabaseError):
        update.save(gone, update_fields=["subject"])
