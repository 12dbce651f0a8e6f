"""Agent pages for stored inbound mail: the failed-mail list, one mail, retry and discard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casedesk.cases.attachments import INLINE_TYPES, clean_filename
from casedesk.core.errors import DomainError, NotFound
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.desk.params import chosen_state
from casedesk.mail import actions, parsing, queries
from casedesk.mail.access import access_inbound_mail
from casedesk.mail.html import sanitize_html
from casedesk.mail.models import InboundMail

# Served files from stored mail can be anything a sender chose: never rendered by the browser.
_LOCKED_DOWN = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private",
}


@login_required
def mail_list(request: HttpRequest) -> HttpResponse:
    require_agent(current_user(request))
    state = chosen_state(request, InboundMail.State.values, InboundMail.State.FAILED)
    page = queries.mail_list(state="" if state == "all" else state, cursor=request.GET.get("after"))
    return render(
        request,
        "desk/failed_mail.html",
        {"page": page, "state": state, "states": InboundMail.State.choices},
    )


@login_required
def mail_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    row = access_inbound_mail(user=user, inbound_id=inbound_id)
    parsed = parsing.parse(bytes(row.raw))
    by_cid = {a.content_id: i for i, a in enumerate(parsed.attachments) if a.content_id}

    def cid_url(cid: str) -> str | None:
        index = by_cid.get(cid)
        if index is None:
            return None
        return reverse("desk:mail_part", args=[row.pk, index])

    return render(
        request,
        "desk/failed_mail_detail.html",
        {
            "mail": row,
            "parsed": parsed,
            "html": sanitize_html(parsed.html, cid_url=cid_url) if parsed.html else "",
            "attachments": list(enumerate(parsed.attachments)),
        },
    )


@login_required
@require_POST
def mail_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    try:
        state = actions.do_retry_inbound_mail(actor=user, inbound_id=inbound_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if state == InboundMail.State.PROCESSED:
            messages.success(request, _("The e-mail was processed."))
        else:
            messages.error(request, _("Processing failed again; see the error below."))
    return redirect("desk:mail", inbound_id=inbound_id)


@login_required
@require_POST
def mail_discard(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    try:
        actions.do_discard_inbound_mail(
            actor=user, inbound_id=inbound_id, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("desk:mail", inbound_id=inbound_id)
    messages.success(request, _("The e-mail was discarded; it stays stored."))
    return redirect("desk:mail_list")


@login_required
def mail_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = require_agent(current_user(request))
    row = access_inbound_mail(user=user, inbound_id=inbound_id)
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822", headers=_LOCKED_DOWN)
    response["Content-Disposition"] = f'attachment; filename="mail-{row.pk}.eml"'
    return response


@login_required
def mail_part(request: HttpRequest, inbound_id: int, index: int) -> HttpResponse:
    user = require_agent(current_user(request))
    row = access_inbound_mail(user=user, inbound_id=inbound_id)
    parts = parsing.parse(bytes(row.raw)).attachments
    if not 0 <= index < len(parts):
        raise NotFound(_("The file was not found."))
    part = parts[index]
    inline = part.content_type in INLINE_TYPES
    response = HttpResponse(
        part.data,
        content_type=part.content_type if inline else "application/octet-stream",
        headers=_LOCKED_DOWN,
    )
    disposition = content_disposition_header(not inline, clean_filename(part.filename))
    if disposition:
        response["Content-Disposition"] = disposition
    return response
