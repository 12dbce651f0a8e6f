"""Every awkward message in tests/mail/corpus/ does what manifest.toml says; none crashes the
pipeline and none is lost (its raw bytes are stored, whatever else happens)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from casedesk.cases.models import Case, Message
from casedesk.mail import ids
from casedesk.mail.models import AddressFlag, InboundMail, OutboundMail
from tests.mail.conftest import Inbox, Ingest, make_mail

CORPUS = Path(__file__).parent / "corpus"
MANIFEST: list[dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text())["message"]


def test_the_corpus_is_big_enough_and_complete() -> None:
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert len(MANIFEST) >= 40
    assert files == {m["file"] for m in MANIFEST}


def _fill(raw: bytes, case: Case, our_id: str) -> bytes:
    for placeholder, value in (
        (b"CASE_NUMBER", case.number),
        (b"OUR_MESSAGE_ID", our_id),
        (b"REPLY_ADDRESS", ids.reply_address(case.pk)),
    ):
        raw = raw.replace(placeholder, value.encode())
    return raw


@pytest.mark.django_db
@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_corpus_message(
    entry: dict[str, Any],
    smtp: Inbox,
    ingest: Ingest,
    contact_a: Any,
    contact_b: Any,
    agent: Any,
    settings: Any,
) -> None:
    settings.CASEDESK_ATTACHMENT_MAX_BYTES = 3000
    case = ingest(make_mail(subject="printer", message_id="<seed@a.test>")).case
    assert case is not None
    our_id = OutboundMail.objects.get(case=case).message_id
    if "duplicate_of" in entry:
        earlier = ingest(_fill((CORPUS / entry["duplicate_of"]).read_bytes(), case, our_id))
    messages_before = Message.objects.count()

    raw = _fill((CORPUS / entry["file"]).read_bytes(), case, our_id)
    row = ingest(raw)

    assert (row.state, row.outcome) == (entry["state"], entry["outcome"]), row.error
    if "duplicate_of" in entry:
        assert row.pk == earlier.pk  # the second delivery is recognised, nothing is redone
        assert Message.objects.count() == messages_before
        return
    assert bytes(row.raw) == raw, "the raw message must be kept as received"
    message = row.case_message
    if entry["outcome"] in ("new_case", "reply"):
        assert message is not None
        assert Message.objects.count() == messages_before + 1
    else:
        assert Message.objects.count() == messages_before
    if entry.get("case"):
        assert row.case == case
    elif entry["outcome"] != "new_case":
        assert row.case is None
    if entry["outcome"] == "new_case":
        assert row.case is not None
        assert row.case != case
    if "subject" in entry:
        assert row.case is not None
        assert row.case.subject == entry["subject"]
    if message is not None:
        if "attachments" in entry:
            names = list(message.attachments.order_by("id").values_list("filename", flat=True))
            assert names == entry["attachments"]
        if "body_contains" in entry:
            assert entry["body_contains"] in message.body
        if "body_excludes" in entry:
            assert entry["body_excludes"] not in message.body
        if entry.get("author") == "agent":
            assert message.author == agent
    if "flag" in entry:
        assert AddressFlag.objects.filter(email=entry["flag"]).exists()
    if entry["outcome"] in ("ignored", "bounce", "auto_reply"):
        assert not OutboundMail.objects.filter(key=f"answer:{row.pk}").exists()
    assert InboundMail.objects.filter(state=InboundMail.State.FAILED).count() == 0
