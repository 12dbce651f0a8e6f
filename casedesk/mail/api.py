"""Failed mail over the API (agents): list it, process it again, or discard it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from casedesk.api.auth import api_user
from casedesk.api.params import check_keys, field_names
from casedesk.api.schemas import AGENT, PathId, described, responses
from casedesk.customers.access import require_agent
from casedesk.mail import actions, queries
from casedesk.mail.access import access_inbound_mail
from casedesk.mail.schemas import DiscardIn, MailOut, MailPage, MailParams, mail_out

router = Router(tags=["mail"])


@router.get(
    "/mail",
    response=responses({200: MailPage}),
    url_name="mail",
    summary="Stored inbound mail, failed first by default",
    description=described(
        "Every inbound e-mail is stored before it is processed; filter by `state` "
        "(default `failed`).",
        who=f"{AGENT} only",
        scope="read",
        errors="403 `permission_denied` for contacts.",
    ),
)
def list_mail(request: HttpRequest, params: Query[MailParams]) -> MailPage:
    require_agent(api_user(request))
    check_keys(request.GET, source="query", allowed=field_names(MailParams))
    page = queries.mail_list(state=params.state or "", cursor=params.cursor, size=params.limit)
    return MailPage(items=[mail_out(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/mail/{mail_id}",
    response=responses({200: MailOut}),
    url_name="mail_item",
    summary="Get one stored inbound e-mail (agents)",
    description=described(
        "Its state, outcome, error and the case it went to.",
        who=f"{AGENT} only",
        scope="read",
        errors="404 `not_found` (also for contacts).",
    ),
)
def get_mail(request: HttpRequest, mail_id: PathId) -> MailOut:
    user = api_user(request)
    check_keys(request.GET, source="query", allowed=())
    return mail_out(access_inbound_mail(user=user, inbound_id=mail_id))


@router.post(
    "/mail/{mail_id}/retry",
    response=responses({200: MailOut}),
    url_name="mail_retry",
    summary="Process a failed or discarded e-mail again (agents)",
    description=described(
        "Runs the stored message through intake again and answers with its new state.",
        who=f"{AGENT} only",
        scope="write",
        errors="409 `conflict` unless it failed or was discarded; 404 `not_found`.",
    ),
)
def retry_mail(request: HttpRequest, mail_id: PathId) -> MailOut:
    user = api_user(request)
    access_inbound_mail(user=user, inbound_id=mail_id)
    actions.do_retry_inbound_mail(actor=user, inbound_id=mail_id)
    return mail_out(access_inbound_mail(user=user, inbound_id=mail_id))


@router.post(
    "/mail/{mail_id}/discard",
    response=responses({200: MailOut}),
    url_name="mail_discard",
    summary="Discard a failed e-mail, with a reason (agents)",
    description=described(
        "Marks it as handled without a case; it stays stored and can be retried.",
        who=f"{AGENT} only",
        scope="write",
        errors="409 `conflict` unless it failed; 404 `not_found`.",
    ),
)
def discard_mail(request: HttpRequest, mail_id: PathId, body: DiscardIn) -> MailOut:
    user = api_user(request)
    access_inbound_mail(user=user, inbound_id=mail_id)
    row = actions.do_discard_inbound_mail(actor=user, inbound_id=mail_id, reason=body.reason)
    return mail_out(row)
