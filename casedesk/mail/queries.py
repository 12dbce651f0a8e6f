"""Reads about mail for the desk, the case page and the notification jobs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from casedesk.cases.models import Case, Channel
from casedesk.core.keyset import Page, paginate
from casedesk.core.prepared import PreparedQuery
from casedesk.mail.models import AddressFlag, InboundMail, OutboundMail

_opening_mail = PreparedQuery(
    lambda case_id: (
        InboundMail.objects.filter(case_id=case_id, outcome=InboundMail.Outcome.NEW_CASE)
        .order_by("pk")
        .values_list("message_id", "auto_reply_allowed", "data")[:1]
    ),
    int,
)


def inbound_origin(case: Case) -> tuple[str, str]:
    """For a case opened by e-mail: (the Message-ID to answer, why no automatic answer may
    go out or ""). The mail is linked to its case in the transaction that opens the case."""
    if case.channel != Channel.EMAIL:
        return "", ""
    row = _opening_mail.first(case.pk)
    if row is None:
        return "", ""
    message_id, auto_reply_allowed, data = row
    reason = "" if auto_reply_allowed else str(data.get("no_auto_reply") or "automatic")
    return message_id, reason


def mail_list(*, state: str, cursor: str | None, size: int = 50) -> Page[InboundMail]:
    qs: QuerySet[InboundMail] = InboundMail.objects.defer("raw").select_related("case")
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, ordering=("-received_at", "-id"), cursor=cursor, size=size)


def failed_count() -> int:
    return InboundMail.objects.filter(state=InboundMail.State.FAILED).count()


@dataclass(frozen=True)
class CaseMailStatus:
    failed: list[OutboundMail]
    suppressed: list[OutboundMail]
    bounces: list[InboundMail]
    flags: list[AddressFlag]

    @property
    def any(self) -> bool:
        return bool(self.failed or self.suppressed or self.bounces or self.flags)


def case_mail_status(case: Case) -> CaseMailStatus:
    """What went wrong with mail on this case, for the agents' case page."""
    outgoing = list(
        OutboundMail.objects.filter(
            case=case, state__in=[OutboundMail.State.FAILED, OutboundMail.State.SUPPRESSED]
        ).order_by("-created_at", "-id")[:20]
    )
    bounces = list(
        InboundMail.objects.defer("raw")
        .filter(case=case, outcome__in=[InboundMail.Outcome.BOUNCE, InboundMail.Outcome.AUTO_REPLY])
        .order_by("-received_at")[:20]
    )
    addresses = {case.requester.email.lower(), *(o.to_address for o in outgoing)}
    flags = list(AddressFlag.objects.filter(email__in=addresses).order_by("email"))
    return CaseMailStatus(
        failed=[o for o in outgoing if o.state == OutboundMail.State.FAILED],
        suppressed=[o for o in outgoing if o.state == OutboundMail.State.SUPPRESSED],
        bounces=bounces,
        flags=flags,
    )


def folded_text(message_ids: list[int]) -> dict[int, str]:
    """The quoted history and signature folded away from e-mail replies, by message id."""
    rows = InboundMail.objects.filter(case_message__in=message_ids).values_list(
        "case_message_id", "data"
    )
    return {
        pk: str(data["quoted"])
        for pk, data in rows
        if pk is not None and isinstance(data, dict) and data.get("quoted")
    }
