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


@db_task(retries=3, retry_delay=30)
def retarget_policy_cases(policy_id: int) -> None:
    from casedesk.sla.actions import do_retarget_policy_cases

    do_retarget_policy_cases(policy_id=policy_id)


@db_task(retries=3, retry_delay=30)
def retarget_contract_cases(contract_id: int) -> None:
    from casedesk.sla.actions import do_retarget_contract_cases

    do_retarget_contract_cases(contract_id=contract_id)
