"""Every write to a case: typed, keyword-only `do_<verb>_<noun>`, one transaction each,
mail and jobs only after commit. Split by concern; import them from here."""

from casedesk.cases.actions.changes import (
    do_assign_case,
    do_change_case_category,
    do_change_case_severity,
    do_change_case_status,
    do_change_case_status_by_link,
    do_close_case_automatically,
    do_schedule_meeting,
    do_update_case,
)
from casedesk.cases.actions.intake import (
    IntakeRefused,
    do_add_held_request_followup,
    do_approve_held_request,
    do_create_case,
    do_reject_held_request,
    do_submit_request,
)
from casedesk.cases.actions.messages import do_add_message
from casedesk.cases.actions.rank import do_move_case_rank, do_set_case_order

__all__ = [
    "IntakeRefused",
    "do_add_held_request_followup",
    "do_add_message",
    "do_approve_held_request",
    "do_assign_case",
    "do_change_case_category",
    "do_change_case_severity",
    "do_change_case_status",
    "do_change_case_status_by_link",
    "do_close_case_automatically",
    "do_create_case",
    "do_move_case_rank",
    "do_reject_held_request",
    "do_schedule_meeting",
    "do_set_case_order",
    "do_submit_request",
    "do_update_case",
]
