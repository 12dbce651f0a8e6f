"""Stored mail is for agents only: one getter, one not-found error for everyone else."""

from __future__ import annotations

from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.core.errors import NotFound
from casedesk.mail.models import InboundMail


def access_inbound_mail(*, user: User, inbound_id: int, for_update: bool = False) -> InboundMail:
    if not (user.is_authenticated and user.is_agent):
        raise NotFound(_("The e-mail was not found."))
    rows = InboundMail.objects.all()
    if for_update:
        rows = rows.select_for_update()
    row = rows.filter(pk=inbound_id).first()
    if row is None:
        raise NotFound(_("The e-mail was not found."))
    return row
