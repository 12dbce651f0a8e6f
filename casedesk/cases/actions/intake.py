"""Opening cases: the intake rule for every channel, and held requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Required, TypedDict, Unpack
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.cases import tasks
from casedesk.cases.actions.base import (
    attach_uploads,
    insert_case,
    insert_message,
    validate_uploads,
)
from casedesk.cases.attachments import Upload, delete_stored, store_upload
from casedesk.cases.events import case_event, save_case_event
from casedesk.cases.intake import clean_intake_data
from casedesk.cases.models import (
    CATEGORIES,
    INTAKE_CHANNELS,
    SEVERITIES,
    Case,
    Channel,
    HeldRequest,
    Message,
    queue_class_for,
)
from casedesk.cases.numbering import allocate_case_number
from casedesk.core import clock, fastsql
from casedesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from casedesk.customers.access import contact_for_user
from casedesk.customers.entitlement import IntakeDecision, Outcome, decide_intake, is_approver
from casedesk.customers.models import Contact, Product, Site
from casedesk.customers.zones import organization_time_zone
from casedesk.sla import timers
from casedesk.webhooks.actions import emit_case_event


def one_line(subject: str) -> str:
    # A newline in a subject would make every mail about the case unsendable.
    return " ".join(subject.split())


class IntakeRefused(DomainError):
    """The request was not opened as a case; `decision` says why, politely."""

    code = ErrorCode.INTAKE_REFUSED

    def __init__(self, decision: IntakeDecision) -> None:
        super().__init__(decision.message, details={"reason": str(decision.reason or "")})
        self.decision = decision


class CaseFields(TypedDict, total=False):
    """What a requester asks for, the same whether it opens a case or waits for approval."""

    requester: Required[Contact]
    product: Required[Product]
    subject: Required[str]
    description: Required[str]
    category: Required[str]
    severity: Required[int]
    channel: str
    intake_data: Mapping[str, str] | None
    uploads: Sequence[Upload]
    site: Site | None
    meeting_requested: bool


@dataclass(frozen=True)
class _Request:
    """CaseFields with their defaults filled in."""

    requester: Contact
    product: Product
    subject: str
    description: str
    category: str
    severity: int
    channel: str = Channel.PORTAL
    intake_data: Mapping[str, str] | None = None
    uploads: Sequence[Upload] = ()
    site: Site | None = None
    meeting_requested: bool = False


def do_create_case(*, actor: User | None, **fields: Unpack[CaseFields]) -> Case:
    """Open a case for an entitled requester; anything else raises IntakeRefused.

    `actor` is None when the system acts for the requester (e.g. inbound e-mail).
    """
    return _create_case(actor, _Request(**fields))


def _create_case(
    actor: User | None,
    request: _Request,
    *,
    approved_by: Contact | None = None,
    in_transaction: Callable[[Case], None] | None = None,
) -> Case:
    requester, product, site = request.requester, request.product, request.site
    category, severity, channel = request.category, request.severity, request.channel
    uploads = request.uploads
    if (
        approved_by is None
        and actor is not None
        and not actor.is_agent
        and contact_for_user(actor) != requester
    ):
        raise PermissionDenied(_("You can only open cases in your own name."))
    subject, description = one_line(request.subject), request.description.strip()
    if not subject or not description:
        raise DomainError(
            _("Please give the case a subject and a description."),
            code=ErrorCode.INVALID_INPUT,
        )
    if category not in CATEGORIES or severity not in SEVERITIES:
        raise DomainError(_("Unknown category or severity."), code=ErrorCode.INVALID_INPUT)
    if channel not in INTAKE_CHANNELS:
        # Channel rules (after-hours phone, answers by mail) read how the customer wrote in;
        # a case "from the desk" would match none of them.
        raise DomainError(_("Unknown channel."), code=ErrorCode.INVALID_INPUT)
    if site is not None and site.organization_id != requester.organization_id:
        raise DomainError(_("Unknown site."), code=ErrorCode.INVALID_INPUT)
    now = clock.now()
    decision = decide_intake(
        contact=requester,
        product=product,
        severity=severity,
        channel=channel,
        at=now,
        approved=approved_by is not None,
    )
    if decision.outcome != Outcome.ACCEPT:
        raise IntakeRefused(decision)
    cleaned = clean_intake_data(product, request.intake_data or {}, attachment_count=len(uploads))
    checked = validate_uploads(uploads)
    case = Case(
        organization_id=requester.organization_id,
        product=product,
        site=site,
        requester=requester,
        subject=subject[:250],
        category=category,
        severity=severity,
        queue_class=queue_class_for(severity),
        intake_data=cleaned,
        channel=channel,
        contract=decision.contract,
        accepted_for=decision.accepted_for,
        meeting_requested=request.meeting_requested,
        created_at=now,
        updated_at=now,
    )
    if Contact.organization.is_cached(requester):
        case.organization = requester.organization
    # Planned and built before the write transaction, which holds SQLite's one write lock
    # (on PostgreSQL, the year's case-number row): under it, only the statements run.
    clocks = timers.plan_case_clocks(case=case, at=now)
    message = Message(
        case=case,
        author=actor,
        author_contact=requester,
        kind=Message.Kind.REPLY,
        channel=channel,
        body=description,
        created_at=now,
    )
    created = case_event(
        case=case,
        actor=actor,
        kind="created",
        data={
            "channel": channel,
            "severity": severity,
            "category": category,
            "intake": str(decision.reason or ""),
            "approved_by": approved_by.pk if approved_by else None,
        },
        contact=requester,
    )
    stored: list[str] = []
    try:
        with transaction.atomic(savepoint=False):
            # The case and the rows that point to it go out together; the ORM's writes
            # come after them (see core.fastsql.pipeline).
            with fastsql.pipeline(transaction.get_connection()):
                case.number, case.pk = allocate_case_number(now)
                insert_case.save(case)  # and its rank (actions.base.NEXT_RANK_SQL)
                insert_message.save(message)
                created.new_value = case.number
                save_case_event(created)
            timers.save_case_clocks(case=case, planned=clocks)
            attach_uploads(case=case, message=message, actor=actor, checked=checked, stored=stored)
            if in_transaction is not None:
                in_transaction(case)
            transaction.on_commit(lambda: tasks.send_case_acknowledgement(case.pk), robust=True)
            emit_case_event("case.created", case)
    except BaseException:
        delete_stored(stored)
        raise
    return case


def do_submit_request(*, actor: User | None, **fields: Unpack[CaseFields]) -> Case | HeldRequest:
    """Every channel's way in: a case, a request held for approval, or IntakeRefused."""
    request = _Request(**fields)
    try:
        return _create_case(actor, request)
    except IntakeRefused as refused:
        if refused.decision.outcome != Outcome.HOLD:
            raise
    return _hold_request(request)


def _hold_request(request: _Request) -> HeldRequest:
    product, uploads = request.product, request.uploads
    cleaned = clean_intake_data(product, request.intake_data or {}, attachment_count=len(uploads))
    checked = validate_uploads(uploads)
    stored: list[str] = []
    try:
        files = _store_held_files(checked, stored)
        with transaction.atomic(savepoint=False):
            held = HeldRequest.objects.create(
                organization_id=request.requester.organization_id,
                requester=request.requester,
                product=product,
                site=request.site,
                subject=one_line(request.subject)[:250],
                description=request.description.strip(),
                category=request.category,
                severity=request.severity,
                channel=request.channel,
                intake_data=cleaned,
                meeting_requested=request.meeting_requested,
                files=files,
                created_at=clock.now(),
            )
            transaction.on_commit(lambda: tasks.send_held_request_notice(held.pk), robust=True)
    except BaseException:
        delete_stored(stored)
        raise
    return held


def _store_held_files(
    checked: Sequence[tuple[Upload, str, str]], stored: list[str]
) -> list[dict[str, object]]:
    """A held request keeps its files outside the attachments table until it becomes a case;
    each stored path is added to `stored` at once, so the caller can remove them on failure."""
    files: list[dict[str, object]] = []
    for upload, name, _content_type in checked:
        stored.append(store_upload(upload))
        files.append({"path": stored[-1], "filename": name, "size": upload.size})
    return files


def _held_uploads(held: HeldRequest) -> list[Upload]:
    return [
        Upload(
            filename=f["filename"], content=default_storage.open(f["path"], "rb"), size=f["size"]
        )
        for f in held.files
    ]


def _discard_held_files(held: HeldRequest) -> None:
    paths = [f["path"] for f in held.files]
    transaction.on_commit(lambda: delete_stored(paths), robust=True)


def _check_reference_person(
    actor: User | None, held: HeldRequest, approver: Contact | None = None
) -> Contact:
    """The deciding contact: the actor's, or `approver` when they act without a login (an
    answer to the approval e-mail, whose signed Message-ID names the request)."""
    contact = contact_for_user(actor) if actor is not None else approver
    if contact is None or contact.organization_id != held.organization_id:
        raise NotFound(_("The request was not found."))
    if not is_approver(contact):
        raise PermissionDenied(_("Only your organization's reference persons decide on this."))
    if held.state != HeldRequest.State.PENDING:
        raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
    return contact


def do_approve_held_request(
    *, actor: User | None, held: HeldRequest, approver: Contact | None = None
) -> Case:
    """A reference person vouches for a colleague's request: it becomes a case.

    `actor` is None when the reference person answered the approval e-mail; `approver`
    names them then.
    """
    approver = _check_reference_person(actor, held, approver)

    def mark_approved(case: Case) -> None:
        # Same transaction as the case: two approvals racing cannot make two cases.
        locked = HeldRequest.objects.select_for_update().get(pk=held.pk)
        if locked.state != HeldRequest.State.PENDING:
            raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
        if locked.description != held.description or locked.files != held.files:
            # A follow-up came in after the case was made from the request: approving now
            # would lose it (and delete its files with the request's).
            raise DomainError(
                _("The request changed meanwhile; please look at it again."),
                code=ErrorCode.CONFLICT,
            )
        locked.state = HeldRequest.State.APPROVED
        locked.decided_by, locked.decided_at, locked.case = approver, clock.now(), case
        locked.save(update_fields=["state", "decided_by", "decided_at", "case"])
        # The case has its own copies now.
        _discard_held_files(locked)

    # Read again: a follow-up may have added text or files since the caller fetched it.
    held = HeldRequest.objects.get(pk=held.pk)
    uploads = _held_uploads(held)
    try:
        request = _Request(
            requester=held.requester,
            product=held.product,
            subject=held.subject,
            description=held.description,
            category=held.category,
            severity=held.severity,
            channel=held.channel,
            intake_data=held.intake_data,
            uploads=uploads,
            site=held.site,
            meeting_requested=held.meeting_requested,
        )
        return _create_case(actor, request, approved_by=approver, in_transaction=mark_approved)
    finally:
        for upload in uploads:
            upload.content.close()


def do_reject_held_request(
    *, actor: User | None, held: HeldRequest, approver: Contact | None = None
) -> HeldRequest:
    """`actor` and `approver` as for do_approve_held_request."""
    approver = _check_reference_person(actor, held, approver)
    # Not durable: an answer by e-mail decides inside the mail pipeline's transaction, so the
    # decision and the record of the mail commit together.
    with transaction.atomic(savepoint=False):
        locked = HeldRequest.objects.select_for_update().get(pk=held.pk)
        if locked.state != HeldRequest.State.PENDING:
            raise DomainError(_("This request has already been decided."), code=ErrorCode.CONFLICT)
        locked.state = HeldRequest.State.REJECTED
        locked.decided_by, locked.decided_at = approver, clock.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        _discard_held_files(locked)
        transaction.on_commit(lambda: tasks.send_held_request_rejected(locked.pk), robust=True)
    return locked


def do_add_held_request_followup(
    *, held: HeldRequest, sender: Contact, text: str, uploads: Sequence[Upload] = ()
) -> HeldRequest:
    """The requester writes again about a request still waiting: their text and files join
    it, so the reference persons decide on all of it and the case (if approved) carries it.
    No second approval mail: the reference persons were asked once about this request."""
    if sender.pk != held.requester_id:
        raise NotFound(_("The request was not found."))
    checked = validate_uploads(uploads)
    stored: list[str] = []
    try:
        files = _store_held_files(checked, stored)
        with transaction.atomic(savepoint=False):
            locked = HeldRequest.objects.select_for_update().get(pk=held.pk)
            if locked.state != HeldRequest.State.PENDING:
                raise DomainError(
                    _("This request has already been decided."), code=ErrorCode.CONFLICT
                )
            # The heading is stored in the text, read later by the organization's people (and
            # their case, once approved): in their zone, not whichever one this process runs
            # in (the vendor's, for mail).
            zone = ZoneInfo(organization_time_zone(sender.organization))
            heading = _("Added by %(name)s on %(when)s:") % {
                "name": sender.name,
                "when": formats.date_format(
                    timezone.localtime(clock.now(), zone), "SHORT_DATETIME_FORMAT"
                ),
            }
            body = text.strip()
            if body:
                locked.description = f"{locked.description}\n\n{heading}\n{body}"
            locked.files = [*locked.files, *files]
            locked.save(update_fields=["description", "files"])
    except BaseException:
        delete_stored(stored)
        raise
    return locked
