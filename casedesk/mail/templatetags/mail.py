"""Mail facts on desk pages: send failures and bounces on a case, folded quoted history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template

from casedesk.cases.models import Case, Channel, Message
from casedesk.mail import queries

register = template.Library()


@register.simple_tag
def case_mail_status(case: Case) -> queries.CaseMailStatus:
    return queries.case_mail_status(case)


@register.simple_tag
def folded_mail_text(thread: Iterable[Message]) -> dict[int, str]:
    """One query for the whole thread: the quoted history of each e-mail reply."""
    return queries.folded_text([m.pk for m in thread if m.channel == Channel.EMAIL])


@register.filter
def lookup(mapping: Mapping[int, str], key: int) -> str:
    return mapping.get(key, "")
