"""Review findings on mail about held requests: rollbacks leave no stored files behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casedesk.cases.models import Case, HeldRequest
from casedesk.customers.models import Vendor
from casedesk.mail import inbound
from casedesk.mail.models import InboundMail, OutboundMail
from tests import factories
from tests.mail.conftest import make_mail


def _stored_files(settings: Any) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_approval_by_mail_leaves_no_copies_of_the_files(
    contact_a: Any, monkeypatch: Any, settings: Any
) -> None:
    Vendor.objects.update_or_create(pk=1, defaults={"hold_requests_from_non_designated": True})
    colleague = factories.make_contact(contact_a.organization, email="colleague@a.test")
    colleague.roles.all().delete()
    raw = make_mail(
        sender="colleague@a.test",
        subject="Printer broken",
        body="The printer is broken.",
        attachments=[("error.png", factories.PNG_BYTES, "image/png")],
    )
    first = inbound.do_store_inbound_mail(raw=raw, source="pipe", process=False)
    assert inbound.do_process_inbound_mail(first.inbound_id) == InboundMail.State.PROCESSED
    held = HeldRequest.objects.get()
    assert len(_stored_files(settings)) == 1
    approval = OutboundMail.objects.get(to_address="anna@a.test")
    answer = make_mail(
        sender="anna@a.test",
        subject="Re: " + approval.subject,
        body="Approve",
        headers={"In-Reply-To": f"<{approval.message_id}>"},
    )
    stored = inbound.do_store_inbound_mail(raw=answer, source="pipe", process=False)
    monkeypatch.setattr(inbound, "_finish", lambda *args, **kwargs: False)  # taken by another
    assert inbound.do_process_inbound_mail(stored.inbound_id) is None
    assert not Case.objects.exists()
    held.refresh_from_db()
    assert held.state == HeldRequest.State.PENDING
    # Only the request's own file: the case's copy went with the rolled-back case.
    assert len(_stored_files(settings)) == 1
    monkeypatch.undo()
    assert inbound.do_process_inbound_mail(stored.inbound_id) == InboundMail.State.PROCESSED
    case = Case.objects.get()
    assert [a.filename for a in case.attachments.all()] == ["error.png"]
