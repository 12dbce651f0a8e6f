"""SLA jobs: the periodic warning/breach scan and delivery of its notices."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from casedesk.core import clock
from casedesk.sla import notices


@db_periodic_task(crontab(minute="*"))
@lock_task("casedesk-sla-scan")
def scan_sla() -> None:
    from casedesk.sla.scan import do_scan_sla

    do_scan_sla(now=clock.now())


@db_task(retries=5, retry_delay=60)
@lock_task("casedesk-sla-notices")
def deliver_sla_notices() -> None:
    notices.deliver_pending()
