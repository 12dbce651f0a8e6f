"""Agents register a case for a caller (phone) or a forwarded request, under the same rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casedesk.cases import actions
from casedesk.cases.models import Category, Channel, HeldRequest, Severity
from casedesk.core.errors import DomainError
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.customers.models import Product
from casedesk.customers.queries import contact_by_email


class PhoneIntakeForm(forms.Form):
    requester = forms.EmailField(label=gettext_lazy("Caller's e-mail"))
    channel = forms.ChoiceField(
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)],
        label=gettext_lazy("Channel"),
    )
    product = forms.ModelChoiceField(queryset=Product.objects.all(), label=gettext_lazy("Product"))
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("Category"))
    severity = forms.TypedChoiceField(
        choices=Severity.choices, coerce=int, label=gettext_lazy("Severity")
    )
    subject = forms.CharField(max_length=250, label=gettext_lazy("Subject"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label=gettext_lazy("Description")
    )


@login_required
def new_case(request: HttpRequest) -> HttpResponse:
    user = require_agent(current_user(request))
    form = PhoneIntakeForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = contact_by_email(data["requester"])
        try:
            if contact is None:
                raise DomainError(
                    _(
                        "%(email)s is not a contact person of any customer. Only designated "
                        "contact persons can open cases."
                    )
                    % {"email": data["requester"]}
                )
            result = actions.do_submit_request(
                actor=user,
                requester=contact,
                product=data["product"],
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                severity=data["severity"],
                channel=data["channel"],
            )
        except DomainError as error:
            refusal = error.message
        else:
            if isinstance(result, HeldRequest):
                messages.info(request, _("Held for approval by the customer's reference persons."))
                return redirect("desk:queue")
            if result.accepted_for:
                messages.info(
                    request,
                    _(
                        "Registered outside the caller's covered hours; work "
                        "starts at the next opening."
                    ),
                )
            return redirect("desk:case", number=result.number)
    return render(request, "desk/new_case.html", {"form": form, "refusal": refusal})
