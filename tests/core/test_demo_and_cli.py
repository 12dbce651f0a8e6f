from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Prefetch

from casedesk.accounts.models import User
from casedesk.cases.models import Case, Message, Status
from casedesk.cli import default_base_url, main
from casedesk.customers.models import Contact, ContactRole, Contract, Organization


@pytest.mark.django_db
def test_demo_is_complete_and_idempotent(capsys: Any) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "agent@demo.test" in out
    assert "contact@demo.test" in out
    assert "demo" in out
    counts = (User.objects.count(), Contact.objects.count(), Case.objects.count())
    assert main(["demo", "--quiet"]) == 0
    assert counts == (User.objects.count(), Contact.objects.count(), Case.objects.count())

    assert Organization.objects.count() == 5
    assert set(Organization.objects.values_list("country", flat=True)) == {
        "NO",
        "SE",
        "DK",
        "NL",
        "BE",
    }
    assert Contract.objects.filter(support_level="24/7").exists()
    assert Contract.objects.filter(standing="suspended").exists()
    assert set(ContactRole.objects.values_list("role", flat=True)) == set(ContactRole.Role.values)
    assert 55 <= Case.objects.count() <= 65
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert {c.language for c in Contact.objects.filter(cases__isnull=False)} >= {
        "en",
        "nb",
        "sv",
        "da",
        "nl",
    }
    # Each case's history happened at the times it shows, in the order it was written (by
    # id: without an order, PostgreSQL returns rows as it finds them on disk).
    in_order = Message.objects.order_by("id")
    for case in Case.objects.prefetch_related(Prefetch("messages", in_order), "events"):
        times = [case.created_at, *(m.created_at for m in case.messages.all())]
        assert times == sorted(times)
        assert case.updated_at >= times[-1]
        assert all(e.created_at >= case.created_at for e in case.events.all())
        assert case.closed_at is None or case.closed_at >= times[-1]
    assert all(email.isascii() for email in Contact.objects.values_list("email", flat=True))
    agent = User.objects.get(email="agent@demo.test")
    assert agent.is_agent
    assert agent.check_password("demo")
    contact = Contact.objects.get(email="contact@demo.test")
    assert contact.user is not None
    assert contact.user.check_password("demo")


def test_manage_passes_through(capsys: Any) -> None:
    assert main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_links_in_mail_follow_the_served_port_unless_configured() -> None:
    assert default_base_url("127.0.0.1", 8010) == "http://127.0.0.1:8010"
    assert default_base_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"  # noqa: S104
    assert default_base_url("::1", 8000) == "http://[::1]:8000"
