"""Mail jobs: take ids, call the pipeline, safe to run again."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from casedesk.mail import answers, imap, inbound


@db_task(retries=3, retry_delay=30)
def process_inbound_mail(inbound_id: int) -> None:
    inbound.do_process_inbound_mail(inbound_id)


@db_task(retries=5, retry_delay=60)
def send_inbound_answer(inbound_id: int) -> None:
    answers.send_inbound_answer(inbound_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("casedesk-mail-imap-poll")
def poll_mailboxes() -> None:
    imap.poll_all_mailboxes()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("casedesk-mail-pending")
def process_pending_mail() -> None:
    # Jobs lost between storing and processing (a queue flushed, a worker killed) end here.
    inbound.do_process_pending_mail(older_than=timedelta(minutes=2))
