"""The token page shared by the desk and the portal (each wraps it in its own layout)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from casedesk.accounts.models import User
from casedesk.api.access import access_api_token
from casedesk.api.actions import do_create_api_token, do_revoke_api_token
from casedesk.api.forms import TokenForm
from casedesk.api.queries import tokens_of
from casedesk.core import clock


def token_page(request: HttpRequest, user: User, *, template: str, namespace: str) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "namespace": namespace}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            new = do_create_api_token(
                actor=user,
                owner=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
            # Rendered into this response only: the plaintext is never stored or redirected.
            context.update(new_token=new.plaintext, form=TokenForm())
        else:
            status = 422
    context.update(tokens=tokens_of(user=user), now=clock.now())
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def revoke(request: HttpRequest, user: User, token_id: int, *, namespace: str) -> HttpResponse:
    token = access_api_token(user=user, token_id=token_id)
    do_revoke_api_token(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(f"{namespace}:tokens")
