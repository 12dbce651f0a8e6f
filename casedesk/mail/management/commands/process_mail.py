"""Process stored inbound mail that no job took care of (lost jobs, killed workers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casedesk.mail import inbound


class Command(BaseCommand):
    help = "Process stored inbound mail still waiting, and mail whose worker died."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=float,
            default=inbound.LEASE.total_seconds(),
            help="seconds after which a claimed mail counts as abandoned (default: 900)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale = timedelta(seconds=options["stale_after"])
        total = 0
        while done := inbound.do_process_pending_mail(stale_after=stale):
            total += done
        self.stdout.write(f"processed {total} e-mail(s)")
