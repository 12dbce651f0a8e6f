"""Why an automatic mail was not sent is stored as a code and shown as a translated label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casedesk.cases.models import Case
from casedesk.mail.models import OutboundMail
from tests.mail.conftest import Inbox, Ingest, make_dsn, make_mail

pytestmark = pytest.mark.django_db


def _bounced(smtp: Inbox, ingest: Ingest, settings: Any) -> Case | None:
    ingest(make_mail())
    ingest(make_dsn(original_message_id=smtp.messages[0]["Message-ID"], recipient="anna@a.test"))
    return ingest(make_mail(subject="Another problem")).case


def _rate_limited(smtp: Inbox, ingest: Ingest, settings: Any) -> Case | None:
    settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = 1
    ingest(make_mail(subject="First"))
    return ingest(make_mail(subject="Second")).case


def _automatic(smtp: Inbox, ingest: Ingest, settings: Any) -> Case | None:
    return ingest(make_mail(headers={"Auto-Submitted": "auto-generated"}, subject="Disk full")).case


@pytest.mark.parametrize(
    ("scenario", "code", "detail", "shown"),
    [
        (_bounced, "bounced", "5.1.1", "The address bounced permanently (5.1.1)"),
        (
            _rate_limited,
            "rate_limit",
            "1",
            "Too many automatic mails to this address in the last hour (1)",
        ),
        (
            _automatic,
            "automatic",
            "Auto-Submitted: auto-generated",
            "It would answer an automatic message (Auto-Submitted: auto-generated)",
        ),
    ],
)
def test_suppression_is_a_code_and_the_case_page_shows_its_label(
    smtp: Inbox,
    ingest: Ingest,
    settings: Any,
    contact_a: Any,
    agent: Any,
    client: Client,
    scenario: Callable[[Inbox, Ingest, Any], Case | None],
    code: str,
    detail: str,
    shown: str,
) -> None:
    case = scenario(smtp, ingest, settings)
    assert case is not None
    row = OutboundMail.objects.get(case=case)
    assert row.state == OutboundMail.State.SUPPRESSED
    assert (row.suppression, row.error) == (code, detail)
    client.force_login(agent)
    page = client.get(reverse("desk:case", args=[case.number])).content.decode()
    assert f'<span class="muted">{shown}</span>' in page
