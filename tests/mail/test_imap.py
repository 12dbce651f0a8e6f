"""IMAP polling against a real Dovecot, started privately for these tests."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casedesk.cases.models import Case, Message
from casedesk.mail import imap, inbound
from casedesk.mail.models import InboundMail, Mailbox
from tests.mail.conftest import free_port, make_mail
from tests.services import need

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_BINARY = "/usr/lib/dovecot/imap"
USER, PASSWORD = "support", "secret"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _accounts() -> tuple[int, int, str, str]:
    """Mail files belong to an unprivileged user; Dovecot refuses uid 0 for mail."""
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid, "dovenull", "dovecot"
    me = pwd.getpwuid(os.getuid())
    return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name


@pytest.fixture(scope="module")
def dovecot() -> Iterator[int]:
    need(
        os.path.exists(DOVECOT) and os.path.exists(IMAP_BINARY),
        "needs Dovecot's IMAP server (apt-get install dovecot-imapd)",
    )
    # Not under pytest's tmp dir: its 0700 parents would keep the mail user out.
    root = Path(tempfile.mkdtemp(prefix="casedesk-dovecot-"))
    root.chmod(0o755)
    uid, gid, login_user, internal_user = _accounts()
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", uid, gid)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            uid=uid,
            gid=gid,
            password=PASSWORD,
            login_user=login_user,
            internal_user=internal_user,
        )
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True, timeout=30)  # noqa: S603
    try:
        _wait_for(port, root)
        yield port
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False, timeout=30)  # noqa: S603
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, root: Path) -> None:
    for _ in range(100):
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
            return
        except OSError:
            time.sleep(0.1)
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    pytest.fail(f"Dovecot did not start: {log[-2000:]}")


class Server:
    """The test's own IMAP session, to put mail in and look at what is left."""

    def __init__(self, port: int) -> None:
        self.client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        self.client.login(USER, PASSWORD)

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        self.client.append(folder, None, None, raw)

    def count(self, folder: str = "INBOX") -> int:
        status, data = self.client.select(f'"{folder}"')
        assert status == "OK", data
        status, found = self.client.uid("SEARCH", "UNDELETED")
        return len((found[0] or b"").split())

    def empty(self) -> None:
        for folder in ("INBOX", "Processed"):
            status, data = self.client.select(f'"{folder}"')
            if status == "OK" and data[0] not in (b"0", None):
                self.client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                self.client.expunge()


@pytest.fixture
def server(dovecot: int) -> Iterator[Server]:
    server = Server(dovecot)
    server.empty()
    yield server
    server.client.logout()


@pytest.fixture
def mailbox(dovecot: int, db: None) -> Mailbox:
    return Mailbox.objects.create(
        name="support",
        host="127.0.0.1",
        port=dovecot,
        use_ssl=False,
        username=USER,
        password=PASSWORD,
        processed_folder="Processed",
    )


def test_polling_makes_cases_and_moves_mail_only_when_done(
    server: Server, mailbox: Mailbox, contact_a: Any
) -> None:
    server.append(make_mail(subject="Cannot log in", message_id="<imap-1@a.test>"))
    server.append(make_mail(sender="stranger@nowhere.test", message_id="<imap-2@x.test>"))
    assert imap.poll_all_mailboxes() == 2
    assert server.count("INBOX") == 0
    assert server.count("Processed") == 2
    case = Case.objects.get()
    assert case.subject == "Cannot log in"
    server.append(make_mail(subject=f"Re: [Case {case.number}]", body="More detail."))
    assert imap.poll_all_mailboxes() == 1
    assert case.messages.count() == 2
    assert set(InboundMail.objects.values_list("source", flat=True)) == {"imap"}
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert mailbox.last_polled_at is not None


def test_a_poller_dying_mid_batch_loses_and_duplicates_nothing(
    server: Server, mailbox: Mailbox, contact_a: Any, monkeypatch: Any
) -> None:
    for n in range(4):
        server.append(make_mail(subject=f"Problem {n}", message_id=f"<batch-{n}@a.test>"))
    real = inbound.do_process_inbound_mail
    calls = {"n": 0}

    def dies_on_the_third(inbound_id: int, **kwargs: Any) -> str | None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real(inbound_id, **kwargs)

    monkeypatch.setattr(inbound, "do_process_inbound_mail", dies_on_the_third)
    with pytest.raises(SystemExit):
        imap.poll_all_mailboxes()
    assert server.count("INBOX") == 4  # nothing left the server
    monkeypatch.setattr(inbound, "do_process_inbound_mail", real)
    assert imap.poll_all_mailboxes() == 4
    assert server.count("INBOX") == 0
    assert Case.objects.count() == 4
    assert Message.objects.count() == 4
    assert InboundMail.objects.count() == 4


def test_without_a_folder_processed_mail_is_deleted(
    server: Server, mailbox: Mailbox, contact_a: Any
) -> None:
    mailbox.processed_folder = ""
    mailbox.save()
    server.append(make_mail())
    assert imap.poll_all_mailboxes() == 1
    assert server.count("INBOX") == 0


def test_an_unreachable_mailbox_is_noted_not_fatal(mailbox: Mailbox) -> None:
    mailbox.password = "wrong"
    mailbox.save()
    assert imap.poll_all_mailboxes() == 0
    mailbox.refresh_from_db()
    assert mailbox.last_error
