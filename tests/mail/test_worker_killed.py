"""Killing the mail worker mid-batch (SIGKILL, no cleanup) and starting it again loses nothing
and duplicates nothing: every stored mail ends up as exactly one case message."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from casedesk.cases.models import Case, Message
from casedesk.mail import inbound
from casedesk.mail.models import InboundMail
from tests.mail.conftest import make_mail
from tests.mail.test_ways_in import subprocess_env

BATCH = 150


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "casedesk.cli", "manage", "process_mail", "--stale-after", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _processed() -> int:
    return InboundMail.objects.filter(state=InboundMail.State.PROCESSED).count()


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_batch_loses_and_duplicates_nothing(
    contact_a: Any, contact_b: Any
) -> None:
    for n in range(BATCH):
        sender = "anna@a.test" if n % 2 else "bob@b.test"
        raw = make_mail(sender=sender, subject=f"Problem {n}", message_id=f"<kill-{n}@x.test>")
        inbound.do_store_inbound_mail(raw=raw, source=InboundMail.Source.PIPE, process=False)
    env = subprocess_env(CASEDESK_HUEY_IMMEDIATE="1")
    kills = 0
    for target in (BATCH // 5, BATCH // 2, (BATCH * 4) // 5):
        worker = _worker(env)
        deadline = time.monotonic() + 120
        while _processed() < target and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait(timeout=30)
    assert kills >= 1, "the worker finished before it could be killed"
    assert _processed() < BATCH

    final = _worker(env)
    _out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()

    assert _processed() == BATCH
    assert Message.objects.count() == BATCH
    assert Case.objects.count() == BATCH
    subjects = list(Case.objects.values_list("subject", flat=True))
    assert sorted(subjects) == sorted(f"Problem {n}" for n in range(BATCH))
    linked = InboundMail.objects.values_list("case_message_id", flat=True)
    assert len(set(linked)) == BATCH


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("subject", ["new case", "reply"])
def test_a_worker_dying_before_the_record_leaves_nothing_behind(
    subject: str, contact_a: Any, case_a: Any, monkeypatch: Any
) -> None:
    """The narrowest window: the case work is done, the mail's outcome not yet recorded."""
    if subject == "reply":
        subject = f"Re: [Case {case_a.number}] more"
    raw = make_mail(subject=subject, body="Only once, please.")
    stored = inbound.do_store_inbound_mail(raw=raw, source="pipe", process=False)
    cases_before = Case.objects.count()

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(inbound, "_finish", killed)
    with pytest.raises(SystemExit):
        inbound.do_process_inbound_mail(stored.inbound_id)
    monkeypatch.undo()
    row = InboundMail.objects.get(pk=stored.inbound_id)
    assert row.state == InboundMail.State.RECEIVED
    assert Message.objects.filter(body="Only once, please.").count() == 0
    assert Case.objects.count() == cases_before

    assert inbound.do_process_inbound_mail(stored.inbound_id) == InboundMail.State.PROCESSED
    assert inbound.do_process_inbound_mail(stored.inbound_id) is None
    row.refresh_from_db()
    assert row.state == InboundMail.State.PROCESSED
    assert Message.objects.filter(body="Only once, please.").count() == 1
    assert row.case_message is not None
    assert row.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_mail_recorded_by_another_worker_meanwhile_is_rolled_back(
    contact_a: Any, monkeypatch: Any
) -> None:
    """Two workers on one mail (a job and the pending-mail sweep): the second to record its
    outcome rolls its case work back."""
    raw = make_mail(subject="Twice?", body="Exactly one case.")
    stored = inbound.do_store_inbound_mail(raw=raw, source="pipe", process=False)
    real_finish = inbound._finish

    def other_worker_first(*args: Any, **kwargs: Any) -> bool:
        InboundMail.objects.filter(pk=stored.inbound_id).update(state=InboundMail.State.PROCESSED)
        return real_finish(*args, **kwargs)

    monkeypatch.setattr(inbound, "_finish", other_worker_first)
    assert inbound.do_process_inbound_mail(stored.inbound_id) is None
    assert not Case.objects.filter(subject="Twice?").exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _stored_files(settings: Any) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_mail_leaves_no_stored_files(
    contact_a: Any, monkeypatch: Any, settings: Any
) -> None:
    raw = make_mail(subject="With a screenshot", attachments=[("screen.png", PNG, "image/png")])
    stored = inbound.do_store_inbound_mail(raw=raw, source="pipe", process=False)
    monkeypatch.setattr(inbound, "_finish", lambda *args, **kwargs: False)  # taken by another
    assert inbound.do_process_inbound_mail(stored.inbound_id) is None
    assert not Case.objects.filter(subject="With a screenshot").exists()
    assert _stored_files(settings) == []
    monkeypatch.undo()
    assert inbound.do_process_inbound_mail(stored.inbound_id) == InboundMail.State.PROCESSED
    assert len(_stored_files(settings)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_commit_does_not_mark_the_mail_failed(
    contact_a: Any, monkeypatch: Any
) -> None:
    """Say the job queue is down when the acknowledgement is queued: the case exists, so the
    mail must stay processed (a retry from the failed list would open it twice)."""
    from casedesk.cases import tasks

    def queue_down(case_id: int) -> None:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(tasks, "send_case_acknowledgement", queue_down)
    raw = make_mail(subject="Queue down", body="Once.")
    stored = inbound.do_store_inbound_mail(raw=raw, source="pipe", process=False)
    assert inbound.do_process_inbound_mail(stored.inbound_id) == InboundMail.State.PROCESSED
    row = InboundMail.objects.get(pk=stored.inbound_id)
    assert row.state == InboundMail.State.PROCESSED
    assert inbound.do_process_inbound_mail(stored.inbound_id, retry=True) is None
    assert Case.objects.filter(subject="Queue down").count() == 1
