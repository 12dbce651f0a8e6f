"""Telling agents about SLA warnings and breaches: the assignee, or the team if unassigned."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core import clock
from casedesk.mail import ids
from casedesk.sla.models import SLANotice


def recipients_for(notice: SLANotice) -> list[User]:
    assignee = notice.timer.case.assignee
    if assignee is not None and assignee.is_agent:
        return [assignee]
    return list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))


def _render(notice: SLANotice, agent: User) -> EmailMessage:
    case = notice.timer.case
    url = settings.BASE_URL.rstrip("/") + reverse("desk:case", args=[case.number])
    with translation.override(agent.language):
        values = {
            "number": case.number,
            "subject": case.subject,
            "metric": notice.timer.get_metric_display(),
        }
        if notice.threshold == SLANotice.Threshold.BREACH:
            subject = _("[Case %(number)s] SLA breached: %(metric)s") % values
            lead = _("The %(metric)s target of case %(number)s was missed.") % values
        else:
            subject = _("[Case %(number)s] SLA warning: %(metric)s due soon") % values
            lead = _("The %(metric)s target of case %(number)s is due soon.") % values
    body = f"{lead}\n\n{case.subject}\n{url}\n"
    return EmailMessage(
        subject=subject,
        body=body,
        to=[agent.email],
        headers={
            "Auto-Submitted": "auto-generated",
            # Our domain and the case's thread, like every mail about a case (mail.outbound).
            "Message-ID": f"<{ids.make_message_id(case.pk)}>",
            "References": f"<{ids.make_message_id(case.pk, root=True)}>",
            "X-Casedesk-Case": case.number,
        },
    )


def deliver_pending(limit: int = 200) -> int:
    """Send unsent notices; each is claimed under a row lock so two workers never share one."""
    sent = 0
    pending = list(
        SLANotice.objects.filter(sent_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for notice_id in pending:
        with transaction.atomic(durable=True):
            notice = (
                # Lock the notice only: the assignee join is nullable (an outer join), which
                # PostgreSQL cannot lock.
                SLANotice.objects.select_for_update(of=("self",))
                .select_related("timer__case__assignee")
                .filter(pk=notice_id, sent_at__isnull=True)
                .first()
            )
            if notice is None:
                continue
            for agent in recipients_for(notice):
                _render(notice, agent).send()
            notice.sent_at = clock.now()
            notice.save(update_fields=["sent_at"])
            sent += 1
    return sent
