"""The pipe (`casedesk ingest-mail`, a real subprocess) and the LMTP/SMTP listener."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from typing import Any
from urllib.parse import quote

import pytest
from django.db import OperationalError, connection

from casedesk.mail import inbound, listener, parsing
from casedesk.mail.models import InboundMail
from tests.mail.conftest import free_port, make_mail


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a `casedesk` child process that uses this test's database."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{s['NAME']}"
    else:
        auth = quote(str(s.get("USER") or ""))
        if s.get("PASSWORD"):
            auth += ":" + quote(str(s["PASSWORD"]))
        url = (
            f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"
        )
    return {**os.environ, "DATABASE_URL": url, "CASEDESK_HUEY_IMMEDIATE": "1", **extra}


def ingest_cli(raw: bytes, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "casedesk.cli", "ingest-mail", *args],
        input=raw,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_pipe_stores_processes_and_is_idempotent(contact_a: Any) -> None:
    raw = make_mail(message_id="<pipe-1@a.test>")
    first = ingest_cli(raw, "--process-now", env=subprocess_env())
    assert first.returncode == 0, first.stderr.decode()
    again = ingest_cli(raw, env=subprocess_env())
    assert again.returncode == 0, again.stderr.decode()
    row = InboundMail.objects.get()
    assert row.source == InboundMail.Source.PIPE
    assert row.state == InboundMail.State.PROCESSED
    assert row.case is not None
    assert row.case.messages.count() == 1


@pytest.mark.django_db(transaction=True)
def test_pipe_exits_75_with_a_message_when_it_cannot_store() -> None:
    env = subprocess_env(DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing")
    result = ingest_cli(make_mail(), env=env)
    assert result.returncode == 75
    assert b"temporary failure" in result.stderr
    assert b"try again" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_pipe_refuses_an_oversized_message_for_good() -> None:
    result = ingest_cli(make_mail(), env=subprocess_env(CASEDESK_MAIL_MAX_BYTES="100"))
    assert result.returncode == 65
    assert b"refused" in result.stderr
    assert not InboundMail.objects.exists()


@pytest.fixture
def lmtp_server(transactional_db: None) -> Any:
    port = free_port()
    controller = listener.start_listener(host="127.0.0.1", port=port, lmtp=True)
    yield port
    controller.stop()


def test_lmtp_listener_stores_before_it_answers(lmtp_server: int, contact_a: Any) -> None:
    raw = make_mail(message_id="<lmtp-1@a.test>")
    with smtplib.LMTP("127.0.0.1", lmtp_server) as client:
        refused = client.sendmail("anna@a.test", ["support@desk.test"], raw)
    assert refused == {}
    row = InboundMail.objects.get()
    assert row.source == InboundMail.Source.LMTP
    assert row.envelope_to == "support@desk.test"
    assert row.state == InboundMail.State.PROCESSED
    stored, sent = parsing.parse(bytes(row.raw)), parsing.parse(raw)
    assert (stored.message_id, stored.text) == (sent.message_id, sent.text)


def test_lmtp_listener_answers_4xx_when_it_cannot_store(lmtp_server: int, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(inbound, "do_store_inbound_mail", broken)
    with (
        smtplib.LMTP("127.0.0.1", lmtp_server) as client,
        pytest.raises(smtplib.SMTPDataError) as error,
    ):
        client.sendmail("anna@a.test", ["support@desk.test"], make_mail())
    assert error.value.smtp_code == 451


@pytest.mark.django_db(transaction=True)
def test_smtp_listener_takes_mail_too(contact_a: Any) -> None:
    port = free_port()
    controller = listener.start_listener(host="127.0.0.1", port=port, lmtp=False)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("anna@a.test", ["support@desk.test"], make_mail())
    finally:
        controller.stop()
    assert InboundMail.objects.get().source == InboundMail.Source.SMTP
