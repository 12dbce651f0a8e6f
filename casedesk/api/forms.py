from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casedesk.api.actions import MAX_EXPIRY_DAYS
from casedesk.api.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("What the token is for, e.g. “laptop”.")
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        required=False,
        initial=90,
        help_text=_("Empty: never expires."),
    )
