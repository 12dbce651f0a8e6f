"""Inbound mail throughput: generated messages through the pipe and the LMTP listener.

Run: python bench/bench_mail.py [--n 10000] [--seed 1] [--cli-sample 20]

A fresh SQLite database in a temporary data folder (nothing else touched). As deployed, the
pipe and the LMTP listener only store each message and queue its job (that is what the MTA
waits for); the worker then processes them. Half the messages go through the code that
`casedesk ingest-mail` runs (in-process: 10,000 Python start-ups would measure nothing else;
--cli-sample real subprocesses show that cost), half over a real LMTP connection on loopback.
Processing: ~40% new cases (each acknowledged by mail, to Django's dummy backend), ~60%
replies threaded by References, In-Reply-To or our reply address, 1 in 8 with an attachment,
every body with a Windows path. Afterwards every message is checked: right outcome, right
case, attachment kept, body untouched, quoted text folded. Prints messages/s per stage and
overall, and peak memory.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = tempfile.mkdtemp(prefix="casedesk-bench-mail-")
os.environ["CASEDESK_DATA_DIR"] = DATA
os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "casedesk.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from casedesk.mail import commands, inbound, listener  # noqa: E402
from casedesk.mail.models import InboundMail  # noqa: E402

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
WINDOWS_PATH = r"C:\Data\report.xlsx"


def setup_customers(orgs: int, per_org: int) -> list[str]:
    from datetime import date

    from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product

    product = Product.objects.create(name="Journal", code="journal")
    addresses = []
    for o in range(orgs):
        org = Organization.objects.create(name=f"Clinic {o}", country="NO", language="nb")
        contract = Contract.objects.create(organization=org, valid_from=date(2020, 1, 1))
        contract.products.set([product])
        for c in range(per_org):
            email = f"user{c}@clinic{o}.test"
            contact = Contact.objects.create(
                organization=org, name=f"User {c}", email=email, language="nb"
            )
            ContactRole.objects.create(contact=contact, role=ContactRole.Role.GENERAL)
            addresses.append(email)
    return addresses


def generate(n: int, addresses: list[str], rng: random.Random) -> list[tuple[bytes, dict]]:
    """(raw, expectation) in delivery order; replies only to cases opened earlier."""
    from casedesk.mail import ids

    out: list[tuple[bytes, dict]] = []
    opened: list[tuple[int, str, str]] = []  # (index, sender, message-id), in case-id order
    for i in range(n):
        msg = EmailMessage()
        mid = f"bench-{i}@clinic.test"
        msg["Message-ID"] = f"<{mid}>"
        msg["To"] = "support@casedesk.localhost"
        expect: dict = {"i": i, "attachment": i % 8 == 0}
        body = f"Message {i}. The export to {WINDOWS_PATH} fails with error {i % 97}.\n"
        if opened and rng.random() < 0.6:
            position = rng.randrange(len(opened))
            index, sender, parent = opened[position]
            route = rng.choice(["references", "in-reply-to", "reply-address"])
            msg["From"] = sender
            msg["Subject"] = f"Re: problem {index}"
            if route == "references":
                msg["References"] = f"<{parent}>"
            elif route == "in-reply-to":
                msg["In-Reply-To"] = f"<{parent}>"
            else:
                # Messages are processed in delivery order in a fresh database, so the n-th
                # new case has id n.
                msg.replace_header("To", ids.reply_address(position + 1))
            body += (
                "\nOn Mon, 2 Mar 2026 at 10:15, Support <support@casedesk.localhost> wrote:\n"
                f"> Old text {index}\n"
            )
            expect.update(kind="reply", parent=index)
        else:
            sender = rng.choice(addresses)
            msg["From"] = sender
            msg["Subject"] = f"problem {i}"
            opened.append((i, sender, mid))
            expect.update(kind="new")
        msg.set_content(body)
        if expect["attachment"]:
            msg.add_attachment(PNG, maintype="image", subtype="png", filename=f"skjerm-{i}.png")
        out.append((msg.as_bytes(), expect))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_pipe(messages: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in messages:
        code = commands.ingest_mail(io.BytesIO(raw))
        assert code == commands.EX_OK, code
    return time.perf_counter() - start


def run_listener(messages: list[bytes]) -> float:
    port = free_port()
    controller = listener.start_listener(host="127.0.0.1", port=port, lmtp=True)
    try:
        start = time.perf_counter()
        with smtplib.LMTP("127.0.0.1", port) as client:
            for raw in messages:
                client.sendmail("sender@clinic.test", ["support@casedesk.localhost"], raw)
        return time.perf_counter() - start
    finally:
        controller.stop()


def run_cli_sample(messages: list[bytes]) -> float:
    env = {**os.environ, "CASEDESK_HUEY_IMMEDIATE": "0"}
    start = time.perf_counter()
    for raw in messages:
        result = subprocess.run(
            [sys.executable, "-m", "casedesk.cli", "ingest-mail"],
            input=raw,
            env=env,
            capture_output=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return time.perf_counter() - start


def check(generated: list[tuple[bytes, dict]]) -> int:
    from casedesk.cases.models import Attachment

    rows = {
        r.message_id: r for r in InboundMail.objects.defer("raw").select_related("case_message")
    }
    case_of: dict[int, int] = {}
    attachments = set(Attachment.objects.values_list("message_id", flat=True))
    wrong = 0
    for _raw, expect in generated:
        row = rows.get(f"bench-{expect['i']}@clinic.test")
        ok = row is not None and row.state == InboundMail.State.PROCESSED
        if ok and expect["kind"] == "new":
            ok = row.outcome == InboundMail.Outcome.NEW_CASE
            case_of[expect["i"]] = row.case_id
        elif ok:
            ok = row.outcome == InboundMail.Outcome.REPLY and row.case_id == case_of.get(
                expect["parent"]
            )
        if ok:
            message = row.case_message
            ok = message is not None and WINDOWS_PATH in message.body
            ok = ok and (message.pk in attachments) == expect["attachment"]
            if expect["kind"] == "reply":
                ok = ok and "Old text" not in message.body
        wrong += not ok
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cli-sample", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = 10**9
    addresses = setup_customers(orgs=50, per_org=4)
    generated = generate(args.n, addresses, random.Random(args.seed))
    raws = [raw for raw, _e in generated]
    half = len(raws) // 2
    print(f"{args.n} messages, {sum(map(len, raws)) / len(raws):.0f} bytes on average")

    # As deployed: the pipe and the listener store and queue a job (the MTA waits for that
    # only); the worker then processes, acknowledging new cases as it goes.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    t_pipe = run_pipe(raws[:half])
    print(f"store via pipe:       {half / t_pipe:8.0f} messages/s")
    t_lmtp = run_listener(raws[half:])
    print(f"store via LMTP:       {(len(raws) - half) / t_lmtp:8.0f} messages/s")
    HUEY.flush()  # the queued jobs: the loop below does their work
    HUEY.immediate = True
    start = time.perf_counter()
    processed = 0
    while done := inbound.do_process_pending_mail():
        processed += done
    t_process = time.perf_counter() - start
    print(f"process (worker):     {processed / t_process:8.0f} messages/s")
    total = t_pipe + t_lmtp + t_process
    print(f"overall:              {len(raws) / total:8.0f} messages/s (store + process, one core)")
    leftover = InboundMail.objects.exclude(state=InboundMail.State.PROCESSED).count()
    wrong = check(generated)
    print(f"correct:              {len(raws) - wrong}/{len(raws)} (not processed: {leftover})")
    if args.cli_sample:
        sample = [raw.replace(b"<bench-", b"<cli-") for raw in raws[: args.cli_sample]]
        t_cli = run_cli_sample(sample)
        print(
            f"`casedesk ingest-mail` as a process: {len(sample) / t_cli:.1f} messages/s "
            f"({t_cli / len(sample) * 1000:.0f} ms each, mostly Python and Django start-up)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory:          {peak:8.0f} MiB")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
