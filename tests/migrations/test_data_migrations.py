"""Data migrations against the real database: migrate to the state before, write rows with
the historical models, migrate forward, look at the rows.

They run on whichever database the suite runs on (SQLite by default, PostgreSQL with
DATABASE_URL). A migration test leaves the schema at the latest migrations again, so the
tests after it find the database as they expect; transactional_db empties the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Migrate = Callable[[list[tuple[str, str]]], Apps]
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def migrate(transactional_db: None) -> Iterator[Migrate]:
    def to(targets: list[tuple[str, str]]) -> Apps:
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    try:
        yield to
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _customer(apps: Apps, name: str) -> tuple[Any, Any, Any]:
    organization = apps.get_model("customers", "Organization").objects.create(
        name=name, country="NO"
    )
    product = apps.get_model("customers", "Product").objects.get_or_create(
        code="journal", defaults={"name": "Journal"}
    )[0]
    contact = apps.get_model("customers", "Contact").objects.create(
        organization=organization, name=f"{name} contact", email=f"{name.lower()}@x.test"
    )
    return organization, product, contact


_numbers = iter(range(1, 10_000))


def _case(apps: Apps, customer: tuple[Any, Any, Any], **fields: Any) -> Any:
    organization, product, contact = customer
    defaults: dict[str, Any] = {
        "number": f"2026-{next(_numbers):06d}",
        "organization": organization,
        "product": product,
        "requester": contact,
        "subject": "Printing fails",
        "category": "problem",
        "severity": 2,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return apps.get_model("cases", "Case").objects.create(**{**defaults, **fields})


def test_0007_compacts_open_ranks_per_organization(migrate: Migrate) -> None:
    apps = migrate([("cases", "0006_open_rank_index")])
    a, b = _customer(apps, "A"), _customer(apps, "B")
    # A's open cases at ranks 2, 5, 5, 9 (two tied: the older id comes first) and a closed
    # one whose rank is left alone; B's at 3 and 7.
    a9 = _case(apps, a, rank=9)
    a5_first = _case(apps, a, rank=5)
    a5_second = _case(apps, a, rank=5)
    a2 = _case(apps, a, rank=2)
    closed = _case(apps, a, rank=4, status="closed")
    b7, b3 = _case(apps, b, rank=7), _case(apps, b, rank=3)
    already = _customer(apps, "C")
    c1, c2 = _case(apps, already, rank=1), _case(apps, already, rank=2)

    apps = migrate([("cases", "0007_compact_open_ranks")])
    ranks = dict(apps.get_model("cases", "Case").objects.values_list("pk", "rank"))
    assert [ranks[c.pk] for c in (a2, a5_first, a5_second, a9)] == [1, 2, 3, 4]
    assert ranks[closed.pk] == 4
    assert [ranks[c.pk] for c in (b3, b7)] == [1, 2]
    assert [ranks[c.pk] for c in (c1, c2)] == [1, 2]


def test_0002_marks_answers_to_mail_in_old_rows(migrate: Migrate) -> None:
    apps = migrate([("mail", "0001_initial"), ("cases", "0007_compact_open_ranks")])
    customer = _customer(apps, "A")
    by_mail = _case(apps, customer, channel="email")
    in_portal = _case(apps, customer, channel="portal")
    outbound = apps.get_model("mail", "OutboundMail")

    def sent(key: str, kind: str, case: Any | None) -> None:
        outbound.objects.create(
            key=key,
            kind=kind,
            case=case,
            to_address="a@x.test",
            subject="s",
            message_id=f"{key}@desk.test",
            created_at=NOW,
        )

    sent("refusal", "refusal", None)
    sent("held", "held", None)
    sent("ack-mail", "acknowledgement", by_mail)
    sent("ack-portal", "acknowledgement", in_portal)
    sent("reply", "reply", by_mail)
    sent("reminder", "reminder", by_mail)

    apps = migrate([("mail", "0002_outbound_answers_mail")])
    marked = dict(apps.get_model("mail", "OutboundMail").objects.values_list("key", "answers_mail"))
    assert marked == {
        "refusal": True,
        "held": True,
        "ack-mail": True,
        "ack-portal": False,
        "reply": False,
        "reminder": False,
    }


def test_0004_stores_codes_for_known_suppression_texts(migrate: Migrate) -> None:
    apps = migrate([("mail", "0003_inbound_outcome_decision")])
    outbound = apps.get_model("mail", "OutboundMail")
    texts = {
        "bounce": "address bounced permanently (5.1.1)",
        "bounce-bare": "address bounced permanently (no status)",
        "rate": "rate limit: 12 automatic mails to this address in the last hour",
        "header": "Auto-Submitted: auto-replied",
        "list": "List-Id present",
        "daemon": "from mailer-daemon@a.test",
        "nosender": "no sender address",
        "own": "sent from our own address",
        "null": "null sender",
        "dash": "-",
        "unknown": "the moon was in the wrong phase",
    }
    for key, text in texts.items():
        outbound.objects.create(
            key=key,
            kind="acknowledgement",
            to_address="a@x.test",
            subject="s",
            message_id=f"{key}@desk.test",
            state="suppressed",
            error=text,
            created_at=NOW,
        )
    # A failed send's error is an exception text, never a suppression reason.
    outbound.objects.create(
        key="failed",
        kind="reply",
        to_address="a@x.test",
        subject="s",
        message_id="failed@desk.test",
        state="failed",
        error="null sender",
        created_at=NOW,
    )

    apps = migrate([("mail", "0004_outboundmail_suppression")])
    rows = {
        key: (code, error)
        for key, code, error in apps.get_model("mail", "OutboundMail").objects.values_list(
            "key", "suppression", "error"
        )
    }
    assert rows == {
        "bounce": ("bounced", "5.1.1"),
        "bounce-bare": ("bounced", ""),
        "rate": ("rate_limit", "12"),
        "header": ("automatic", "Auto-Submitted: auto-replied"),
        "list": ("automatic", "List-Id"),
        "daemon": ("automatic", "mailer-daemon@a.test"),
        "nosender": ("no_sender", ""),
        "own": ("own_address", ""),
        "null": ("null_sender", ""),
        "dash": ("automatic", ""),
        "unknown": ("", "the moon was in the wrong phase"),
        "failed": ("", "null sender"),
    }

    # Going back restores the texts the earlier code wrote and reads.
    apps = migrate([("mail", "0003_inbound_outcome_decision")])
    back = dict(apps.get_model("mail", "OutboundMail").objects.values_list("key", "error"))
    assert back == {**texts, "dash": "automatic", "failed": "null sender"}


def test_0008_moves_agents_portal_messages_to_the_desk(migrate: Migrate) -> None:
    apps = migrate([("cases", "0007_compact_open_ranks")])
    customer = _customer(apps, "A")
    case = _case(apps, customer)
    users = apps.get_model("accounts", "User")
    agent = users.objects.create(email="agent@vendor.test", is_staff=True)
    customer_user = users.objects.create(email="a@x.test")
    message = apps.get_model("cases", "Message")

    def wrote(body: str, channel: str, **who: Any) -> None:
        message.objects.create(case=case, body=body, channel=channel, created_at=NOW, **who)

    wrote("agent web reply", "portal", author=agent)
    wrote("agent by api", "api", author=agent)
    wrote("customer web reply", "portal", author=customer_user, author_contact=customer[2])
    # A customer whose contact row is gone, and a writer nobody knows any more.
    wrote("customer, contact gone", "portal", author=customer_user)
    wrote("author gone", "portal")

    apps = migrate([("cases", "0008_message_channel_desk")])
    channels = dict(apps.get_model("cases", "Message").objects.values_list("body", "channel"))
    assert channels == {
        "agent web reply": "desk",
        "agent by api": "api",
        "customer web reply": "portal",
        "customer, contact gone": "portal",
        "author gone": "portal",
    }
    apps = migrate([("cases", "0007_compact_open_ranks")])
    assert set(apps.get_model("cases", "Message").objects.values_list("channel", flat=True)) == {
        "portal",
        "api",
    }
