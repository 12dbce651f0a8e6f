from __future__ import annotations

from django import template

from casedesk.cases.events import describe_case_event
from casedesk.cases.models import CaseEvent

register = template.Library()


@register.filter
def event_summary(event: CaseEvent) -> str:
    return describe_case_event(event)
