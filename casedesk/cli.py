"""The `casedesk` command: serve, worker, demo, manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casedesk.settings")
    import django

    django.setup()


def _manage(args: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casedesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["casedesk manage", *args])
    return 0


def default_base_url(host: str, port: int) -> str:
    """Where links in e-mails point when CASEDESK_BASE_URL is not set: the address served
    (a wildcard bind is reached on this machine at the loopback address)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _serve(host: str, port: int, web_workers: int) -> int:
    """Run web, worker and scheduler together; stop all when one stops."""
    # The children (web and worker, which sends the mail) read it from the environment.
    os.environ.setdefault("CASEDESK_BASE_URL", default_base_url(host, port))
    _manage(["migrate", "--noinput", "-v", "0"])
    python = sys.executable
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [
                python,
                "-m",
                "gunicorn",
                "casedesk.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ]
        ),
        # The Huey consumer runs the background jobs and, with -s, the periodic scheduler.
        subprocess.Popen([python, "-m", "casedesk.cli", "worker"]),  # noqa: S603
    ]
    print(f"Casedesk is serving on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="casedesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then run web + worker + scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--web-workers", type=int, default=2)
    sub.add_parser("worker", help="run the background worker and scheduler (Huey)")
    demo = sub.add_parser("demo", help="load demo data (safe to run again)")
    demo.add_argument("--quiet", action="store_true")
    ingest = sub.add_parser("ingest-mail", help="store one e-mail from standard input (MTA pipe)")
    ingest.add_argument("--process-now", action="store_true", help="process it before exiting")
    ingest.add_argument("--sender", default="", help="envelope sender, if the MTA passes it")
    ingest.add_argument("recipients", nargs="*", help="envelope recipients, if the MTA passes them")
    listener = sub.add_parser("mail-listener", help="receive e-mail by LMTP (or SMTP) from an MTA")
    listener.add_argument("--host", default="127.0.0.1")
    listener.add_argument("--port", type=int, default=8024)
    listener.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")
    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="print a new API token for a user")
    token_create.add_argument("--email", required=True)
    token_create.add_argument("--scope", choices=["read", "write"], default="read")
    token_create.add_argument("--expires", type=int, metavar="DAYS", help="days until it expires")
    token_create.add_argument("--name", default="cli")
    token_create.add_argument("--service", action="store_true", help="a service-account token")
    login = sub.add_parser("contact-login", help="give a contact a portal login")
    login.add_argument("--email", required=True, help="the contact's e-mail address")
    sub.add_parser("manage", help="Django's manage.py commands", add_help=False)
    if args and args[0] == "manage":
        return _manage(args[1:])
    ns = parser.parse_args(args)
    if ns.command == "serve":
        return _serve(ns.host, ns.port, ns.web_workers)
    if ns.command == "worker":
        return _manage(["run_huey", "--workers", "2", "--worker-type", "thread"])
    if ns.command == "ingest-mail":
        from casedesk.mail.commands import EX_TEMPFAIL, ingest_mail

        try:
            _setup_django()
        except Exception as error:  # the MTA must keep the mail and retry
            print(f"casedesk ingest-mail: temporary failure: {error}", file=sys.stderr)
            return EX_TEMPFAIL
        return ingest_mail(
            sys.stdin.buffer,
            process_now=ns.process_now,
            recipients=ns.recipients,
            sender=ns.sender,
        )
    if ns.command == "mail-listener":
        _setup_django()
        from casedesk.mail.listener import run_listener

        return run_listener(host=ns.host, port=ns.port, lmtp=not ns.smtp)
    if ns.command == "token":
        _setup_django()
        from casedesk.api.commands import create_token

        return create_token(
            email=ns.email, scope=ns.scope, expires=ns.expires, name=ns.name, service=ns.service
        )
    if ns.command == "contact-login":
        _setup_django()
        from casedesk.customers.commands import create_contact_login

        return create_contact_login(email=ns.email)
    if ns.command == "demo":
        _setup_django()
        from casedesk.demo import load_demo

        logins = load_demo()
        if not ns.quiet:
            print("Demo data is loaded. Sign in at http://127.0.0.1:8000/ with:")
            for email, role in logins:
                print(f"  {role:<28} {email:<28} password: demo")
        return 0
    parser.error(f"unknown command {ns.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
