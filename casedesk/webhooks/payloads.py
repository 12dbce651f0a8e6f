"""Event bodies: the same representation the API gives an agent, so one client model
reads both."""

from __future__ import annotations

from typing import Any

from casedesk.cases.models import Case, Message
from casedesk.cases.schemas import case_out, message_out, sla_timer_out
from casedesk.sla.models import SLATimer


def case_payload(case: Case) -> dict[str, Any]:
    return {"case": case_out(case, agent=True).model_dump(mode="json")}


def message_payload(message: Message) -> dict[str, Any]:
    case = message.case
    return {
        "case": case_out(case, agent=True).model_dump(mode="json"),
        "message": message_out(message, case.number).model_dump(mode="json"),
    }


def sla_payload(timer: SLATimer) -> dict[str, Any]:
    return {
        "case": case_out(timer.case, agent=True).model_dump(mode="json"),
        # The clock as in the case's `sla` list, and which of its cycles this event is about.
        "sla": {**sla_timer_out(timer).model_dump(mode="json"), "cycle": timer.cycle},
    }
