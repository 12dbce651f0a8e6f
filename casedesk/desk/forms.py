from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casedesk.accounts.models import User
from casedesk.cases import lifecycle
from casedesk.cases.models import Category, Message, Severity, Status
from casedesk.core.errors import DomainError
from casedesk.customers.models import Organization, Product


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, label=_("Product")
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), required=False, label=_("Organization")
    )
    status = forms.ChoiceField(
        choices=[("", _("All open")), *list(Status.choices)], required=False, label=_("Status")
    )
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))
    severity = forms.TypedChoiceField(
        choices=[("", _("Any")), *list(Severity.choices)],
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Severity"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_staff=True, is_active=True).order_by("full_name")
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("none", _("Unassigned")),
            *[(str(a.pk), str(a)) for a in agents],
        ]


class AgentReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label=_("Message"), required=False
    )
    kind = forms.ChoiceField(
        choices=Message.Kind.choices,
        initial=Message.Kind.REPLY,
        widget=forms.RadioSelect,
        label=_("Kind"),
    )
    then_status = forms.ChoiceField(
        choices=[("", _("Keep status")), *Status.choices],
        required=False,
        label=_("Then set status"),
    )

    def __init__(self, *args: Any, current_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_status = current_status
        self.fields["then_status"].widget.choices = [
            ("", _("Keep status")),
            *[(s, Status(s).label) for s in reply_targets(current_status)],
        ]

    def clean_then_status(self) -> str:
        """A status the list did not offer (a stale page, a tampered form) is refused here,
        with the lifecycle's reason, before anything is written; the typed reply stays."""
        target: str = self.cleaned_data["then_status"]
        if target and target != self.current_status:
            try:
                lifecycle.check_transition(
                    self.current_status, target, is_agent=True, on_behalf_of_customer=False
                )
            except DomainError as error:
                raise forms.ValidationError(error.message, code=str(error.code)) from error
        return target


def reply_targets(current_status: str) -> list[str]:
    """The statuses a reply may set next. Closing is left out: only the customer closes, and
    closing on their behalf is recorded in the update form, which asks for that."""
    return [
        s
        for s in lifecycle.allowed_targets(current_status, is_agent=True)
        if s not in (Status.CLOSED, current_status)
    ]


class CaseUpdateForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True),
        required=False,
        label=_("Assignee"),
    )
    status = forms.ChoiceField(choices=Status.choices, label=_("Status"))
    on_behalf_of_customer = forms.BooleanField(
        required=False,
        label=_("The customer asked us to close it (recorded)"),
    )
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int, label=_("Severity"))
    category = forms.ChoiceField(choices=Category.choices, label=_("Category"))

    def offer_statuses(self, statuses: Collection[str]) -> None:
        """Offer only these; a posted status is still checked by the lifecycle, which says why
        it refuses one."""
        widget = self.fields["status"].widget
        widget.choices = [(v, label) for v, label in Status.choices if v in statuses]


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    minutes = forms.IntegerField(label=_("Minutes"), initial=30, min_value=5, max_value=480)
    location = forms.CharField(
        label=_("Video link or phone number"), max_length=250, required=False
    )
