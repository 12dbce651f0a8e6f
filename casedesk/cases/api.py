"""Cases over the API. Handlers translate HTTP to actions and queries; objects are fetched
only through the access getters, so a contact never reaches another organization's case."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile
from ninja.errors import HttpError
from ninja.responses import Status as Reply

from casedesk.accounts.models import User
from casedesk.api.access import access_agent, access_contact, access_organization, access_site
from casedesk.api.actions import do_answer_once
from casedesk.api.auth import api_user
from casedesk.api.params import body_fingerprint, check_keys, field_names, for_role
from casedesk.api.render import encoded, json_response
from casedesk.api.schemas import (
    AGENT,
    IdempotencyKeyHeader,
    PathId,
    PathNumber,
    described,
    responses,
)
from casedesk.cases import actions, listing, queries
from casedesk.cases.access import (
    access_attachment,
    access_case,
    case_scope,
    cases_visible_to,
)
from casedesk.cases.attachments import INLINE_TYPES, Upload
from casedesk.cases.models import OPEN, Case, Channel, HeldRequest, Status
from casedesk.cases.schemas import (
    AGENT_ONLY_FILTERS,
    CASE_LIST_FIELDS,
    AgentCaseIn,
    AgentCaseOut,
    AgentOrderIn,
    AgentTransitionIn,
    CaseBody,
    CaseListParams,
    CasePage,
    CaseRow,
    CaseUpdateIn,
    ContactCaseIn,
    ContactCaseOut,
    ContactOrderIn,
    ContactTransitionIn,
    HeldRequestOut,
    MessageForm,
    MessageOut,
    MoveIn,
    OrderBody,
    TransitionBody,
    case_out,
    case_page_json,
    held_out,
    message_out,
)
from casedesk.cases.search import filter_by_query
from casedesk.core.errors import DomainError, ErrorCode, NotFound
from casedesk.core.keyset import Page, decode_cursor, page_of, paginate
from casedesk.customers.access import access_product, require_agent, require_contact
from casedesk.customers.entitlement import reference_persons

router = Router(tags=["cases"])

ORDERINGS = {
    "-updated_at": queries.RECENT_ORDER,
    "queue": queries.QUEUE_ORDER,
    "rank": queries.RANK_ORDER,
}
# A case number or its beginning: searched as a range on the unique index.
CaseOut = AgentCaseOut | ContactCaseOut
# Without any of these, a page is a plain one (cases.listing): every parameter that is not
# about the page itself, so a filter added later can never be ignored there.
FILTERS = tuple(sorted(field_names(CaseListParams) - {"sort", "cursor", "limit"}))


def search_cases(*, user: User, params: CaseListParams) -> Page[CaseRow]:
    """The list endpoint's query: every filter a column condition, keyset-paginated on an
    ordering that an index serves. `q` is a case number prefix or full-text words matched in
    the subject and the messages (internal notes for agents only)."""
    open_only = params.sort != "-updated_at"
    if open_only and params.status == Status.CLOSED:
        raise DomainError(
            _("Closed cases have no place in the queue or the rank order."),
            code=ErrorCode.INVALID_INPUT,
        )
    ordering = ORDERINGS[params.sort]
    if params.limit in listing.PREPARED_SIZES and all(
        getattr(params, name) is None for name in FILTERS
    ):
        values = decode_cursor(Case, ordering, params.cursor) if params.cursor else None
        rows = listing.plain_page_rows(
            case_scope(user),
            ordering=ordering,
            open_only=open_only,
            cursor_values=values,
            size=params.limit,
        )
        return page_of(rows, ordering=ordering, size=params.limit)
    qs: QuerySet[Case] = cases_visible_to(user)
    if open_only:
        # Literally the condition of the partial queue and rank indexes, so the planner
        # can use them.
        qs = qs.filter(OPEN)
    if params.status:
        qs = qs.filter(status=params.status)
    if params.severity:
        qs = qs.filter(severity=params.severity)
    if params.product:
        qs = qs.filter(product_id=params.product)
    if params.organization:
        qs = qs.filter(organization_id=params.organization)
    if params.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif params.assignee is not None:
        qs = qs.filter(assignee_id=params.assignee)
    if params.updated_since:
        qs = qs.filter(updated_at__gte=params.updated_since)
    if (params.q or "").strip():
        qs = filter_by_query(qs, params.q or "", include_notes=user.is_agent)
    return paginate(
        qs.values(*CASE_LIST_FIELDS),
        ordering=ordering,
        cursor=params.cursor,
        size=params.limit,
    )


@router.get(
    "",
    response=responses({200: CasePage}),
    url_name="cases",
    summary="List cases, filtered and searched, one page at a time",
    description=described(
        "Agents see every case, contacts their organization's (without the internal fields). "
        "`q` is a case number (or its beginning) or words in the subject and messages "
        "(internal notes for agents only). Pass `next_cursor` as `cursor` for the next page.",
        who=f"{AGENT} and contacts",
        scope="read",
        errors="422 `validation_error` for an unknown parameter, and for `organization` or "
        "`assignee` from a contact; 422 `invalid_input` for a bad cursor, or `sort=queue`/"
        "`rank` with `status=closed`.",
    ),
)
def list_cases(request: HttpRequest, params: Query[CaseListParams]) -> HttpResponse:
    user = api_user(request)
    check_keys(
        request.GET,
        source="query",
        allowed=field_names(CaseListParams),
        not_allowed=() if user.is_agent else AGENT_ONLY_FILTERS,
    )
    page = search_cases(user=user, params=params)
    queries.add_cached_names(page.items)
    timers = queries.timer_rows([r["id"] for r in page.items]) if user.is_agent else []
    body = case_page_json(page.items, timers, agent=user.is_agent, next_cursor=page.next_cursor)
    return json_response(body, status=200)


IDEMPOTENCY_DESCRIPTION = (
    "Send an `Idempotency-Key` header (1 to 255 characters, unique per request) to make "
    "retries safe: a repeat with the same key by the same token owner within 24 hours "
    "gets the first response again (status and body, the same case; header "
    "`Idempotent-Replayed: true`) and opens no second case. The same key with a different "
    "body is a 409 `idempotency_key_reused`. Only successful responses (201, 202) are kept; "
    "after an error the same key can be retried. Keys of different users are independent."
)


@router.post(
    "",
    response=responses({201: CaseOut, 202: HeldRequestOut}),
    url_name="case_create",
    summary="Open a case (contacts for themselves; agents and integrations for a contact)",
    description=described(
        "A contact opens a case for themselves (channel `api`); an agent or integration opens "
        "one for a contact (`requester`, optional `channel`). The body is the agent or the "
        "contact schema, by the caller's role: a field of the other is refused. 201 with the "
        "case, or 202 when the request waits for a reference person's approval.\n\n"
        + IDEMPOTENCY_DESCRIPTION,
        who=f"{AGENT} and designated contacts",
        scope="write",
        errors="403 `intake_refused` (`details.reason`, e.g. `suspended`, `not_designated`, "
        "`product_not_covered`); 404 `not_found` for an unknown product or requester; 422 "
        "`validation_error` or `missing_required_field` (the product's required intake "
        "information); 409 `idempotency_key_reused`.",
    ),
)
def create_case(
    request: HttpRequest,
    payload: CaseBody,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Reply[CaseOut | HeldRequestOut] | HttpResponse:
    user = api_user(request)
    data = for_role(user, payload, agent=AgentCaseIn, contact=ContactCaseIn)
    if idempotency_key is None:
        # Encoded here as a replayed answer is: the case is a validated model already, which
        # ninja would validate once more against the union of the 201 and 202 schemas.
        status, body = encoded(*_open_case(user, data))
        return json_response(body, status=status)
    answer = do_answer_once(
        owner=user,
        key=idempotency_key,
        fingerprint=body_fingerprint(payload),
        answer=lambda: encoded(*_open_case(user, data)),
    )
    response = json_response(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _open_case(
    user: User, data: AgentCaseIn | ContactCaseIn
) -> tuple[int, CaseOut | HeldRequestOut]:
    channel: str
    if isinstance(data, AgentCaseIn):
        requester, channel = access_contact(user=user, contact_id=data.requester), data.channel
    else:
        requester, channel = require_contact(user), Channel.API
    result = actions.do_submit_request(
        actor=user,
        requester=requester,
        product=access_product(user=user, product_id=data.product),
        site=access_site(user=user, site_id=data.site) if data.site else None,
        subject=data.subject,
        description=data.description,
        category=data.category,
        severity=data.severity,
        channel=channel,
        intake_data=data.intake_data,
    )
    if isinstance(result, HeldRequest):
        names = ", ".join(reference_persons(result.organization_id)) or "–"
        message = _("The request waits for approval by a reference person (%(names)s).") % {
            "names": names
        }
        return 202, held_out(result, message)
    return 201, case_out(result, agent=user.is_agent)


# Registered before /{number}, which would otherwise match the path "order".
@router.put(
    "/order",
    response={204: None, **responses({})},
    url_name="case_order",
    summary="Set the organization's priority order of its open cases",
    description=described(
        "Put all of an organization's open cases in the given order (first is most "
        "important). Contacts order their own organization's; agents name the `organization`.",
        who=f"{AGENT} and designated contacts",
        scope="write",
        errors="404 `not_found` for a case number the caller cannot see; 409 `conflict` when "
        "the list is not exactly the open cases (`details`: `missing`, `not_open`, "
        "`repeated`); 403 `permission_denied` for a contact who is not designated.",
    ),
)
def set_order(request: HttpRequest, payload: OrderBody) -> Reply[None]:
    user = api_user(request)
    data = for_role(user, payload, agent=AgentOrderIn, contact=ContactOrderIn)
    if isinstance(data, AgentOrderIn):
        organization = access_organization(user=user, organization_id=data.organization)
    else:
        organization = require_contact(user).organization
    # A number the caller cannot see is "not found", as on every other case endpoint.
    visible = set(
        cases_visible_to(user)
        .filter(organization=organization, number__in=data.numbers)
        .values_list("number", flat=True)
    )
    if missing := set(data.numbers) - visible:
        raise NotFound(_("Case %(number)s was not found.") % {"number": min(missing)})
    actions.do_set_case_order(actor=user, organization=organization, numbers=data.numbers)
    return Reply(204, None)


@router.get(
    "/{number}",
    response=responses({200: CaseOut}),
    url_name="case",
    summary="Get a case by its number",
    description=described(
        "Agents get the agent view (assignee, SLA clocks, due time), contacts the contact view.",
        who=f"{AGENT}; contacts for their organization's cases",
        scope="read",
        errors="404 `not_found`, also for another organization's case.",
    ),
)
def get_case(request: HttpRequest, number: PathNumber) -> CaseOut:
    user = api_user(request)
    return case_out(access_case(user=user, number=number), agent=user.is_agent)


@router.patch(
    "/{number}",
    response=responses({200: AgentCaseOut}),
    url_name="case_update",
    summary="Change a case's assignee, severity, category or status (agents)",
    description=described(
        "One all-or-nothing change; omitted fields stay, `assignee: null` unassigns.",
        who=f"{AGENT} only",
        scope="write",
        errors="403 `permission_denied` for contacts, or to close without "
        "`on_behalf_of_customer`; 409 `invalid_transition`; 422 `invalid_input` for an "
        "unknown assignee.",
    ),
)
def update_case(request: HttpRequest, number: PathNumber, payload: CaseUpdateIn) -> CaseOut:
    user = api_user(request)
    case = access_case(user=user, number=number)
    require_agent(user)
    assignee = case.assignee
    if "assignee" in payload.model_fields_set:
        assignee = access_agent(user=user, agent_id=payload.assignee) if payload.assignee else None
    updated = actions.do_update_case(
        actor=user,
        case=case,
        assignee=assignee,
        severity=payload.severity or case.severity,
        category=payload.category or case.category,
        status=payload.status or case.status,
        on_behalf_of_customer=payload.on_behalf_of_customer,
    )
    return case_out(updated, agent=True)


@router.post(
    "/{number}/transitions",
    response=responses({200: CaseOut}),
    url_name="case_transition",
    summary="Change the status: close, reopen, or (agents) any allowed step",
    description=described(
        "Contacts close their case or reopen it (`closed`, `open`). Agents take any allowed "
        "step, and close only for the customer (`on_behalf_of_customer: true`).",
        who=f"{AGENT}; contacts for their organization's cases",
        scope="write",
        errors="409 `invalid_transition`; 403 `permission_denied`; 422 `validation_error` "
        "for a status or field outside the caller's schema; 404 `not_found`.",
    ),
)
def transition_case(request: HttpRequest, number: PathNumber, payload: TransitionBody) -> CaseOut:
    user = api_user(request)
    case = access_case(user=user, number=number)
    data = for_role(user, payload, agent=AgentTransitionIn, contact=ContactTransitionIn)
    updated = actions.do_change_case_status(
        actor=user,
        case=case,
        status=data.status,
        on_behalf_of_customer=isinstance(data, AgentTransitionIn) and data.on_behalf_of_customer,
    )
    return case_out(updated, agent=user.is_agent)


@router.get(
    "/{number}/messages",
    response=responses({200: list[MessageOut]}),
    url_name="messages",
    summary="List a case's messages, oldest first",
    description=described(
        "Public replies, and for agents also internal notes (`kind: note`), with attachments.",
        who=f"{AGENT}; contacts for their organization's cases (replies only)",
        scope="read",
        errors="404 `not_found`.",
    ),
)
def list_messages(request: HttpRequest, number: PathNumber) -> list[MessageOut]:
    user = api_user(request)
    case = access_case(user=user, number=number)
    return [message_out(m, case.number) for m in queries.case_thread(user=user, case=case)]


@router.post(
    "/{number}/messages",
    response=responses({201: MessageOut}),
    url_name="message_create",
    summary="Reply (or, agents, add an internal note), with attachments (multipart)",
    description=described(
        "Send `multipart/form-data`: `body`, `kind` (`reply` or, agents only, `note`), "
        "`then_status` (agents only) and files under `attachments`. A contact's reply "
        "reopens a case that waits on the customer.",
        who=f"{AGENT}; contacts for their organization's cases",
        scope="write",
        errors="415 for a JSON body; 403 `permission_denied` for a note or `then_status` from "
        "a contact; 422 `invalid_input` (empty message), `attachment_too_large`, "
        "`attachment_type_not_allowed`, or `validation_error` for an unknown field; 404.",
    ),
)
def create_message(
    request: HttpRequest,
    number: PathNumber,
    data: Form[MessageForm],
    attachments: File[list[UploadedFile] | None] = None,
) -> Reply[MessageOut]:
    user = api_user(request)
    case = access_case(user=user, number=number)
    if request.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # A JSON body would read as no fields at all: "the message is empty" misleads.
        raise HttpError(415, _("Send the message as multipart/form-data (fields and files)."))
    check_keys(request.POST, source="form", allowed=field_names(MessageForm))
    # A file under any other name would be dropped without a word.
    check_keys(request.FILES, source="form", allowed={"attachments"})
    uploads = [
        Upload(filename=f.name or "attachment", content=f, size=f.size or 0)
        for f in attachments or []
    ]
    message = actions.do_add_message(
        actor=user,
        case=case,
        body=data.body,
        kind=data.kind,
        channel=Channel.API,
        uploads=uploads,
        then_status=data.then_status,
    )
    return Reply(201, message_out(message, case.number))


@router.get(
    "/{number}/attachments/{attachment_id}",
    response={200: None, **responses({})},
    url_name="case_attachment",
    summary="Download a file attached to a case",
    description=described(
        "Images are shown inline, other files are sent as downloads; either is sandboxed.",
        who=f"{AGENT}; contacts for their organization's cases (not files on internal notes)",
        scope="read",
        errors="404 `not_found`.",
    ),
    openapi_extra={
        # The same (integer) key ninja uses, so this replaces its empty 200 response.
        "responses": {200: {"description": "The file", "content": {"*/*": {"schema": {}}}}}
    },
)
def download_attachment(
    request: HttpRequest, number: PathNumber, attachment_id: PathId
) -> FileResponse:
    user = api_user(request)
    case = access_case(user=user, number=number)
    found = access_attachment(user=user, attachment_id=attachment_id)
    if found.case_id != case.pk:
        raise NotFound(_("The file was not found."))
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=found.content_type not in INLINE_TYPES,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post(
    "/{number}/move",
    response={204: None, **responses({})},
    url_name="case_move",
    summary="Move a case one step up or down in its organization's priority order",
    description=described(
        "Swaps the case with its neighbour among the organization's open cases.",
        who=f"{AGENT} and designated contacts",
        scope="write",
        errors="409 `conflict` for a closed case; 403 `permission_denied` for a contact who "
        "is not designated; 404 `not_found`.",
    ),
)
def move_case(request: HttpRequest, number: PathNumber, payload: MoveIn) -> Reply[None]:
    user = api_user(request)
    case = access_case(user=user, number=number)
    actions.do_move_case_rank(actor=user, case=case, direction=payload.direction)
    return Reply(204, None)
