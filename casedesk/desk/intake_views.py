"""Agents register a case for a caller (phone) or a forwarded request, under the same rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casedesk.cases import actions
from casedesk.cases.intake import intake_fields_for
from casedesk.cases.models import Category, Channel, HeldRequest, IntakeField
from casedesk.core.errors import DomainError
from casedesk.core.uploads import uploads_from
from casedesk.core.views import current_user
from casedesk.customers.access import require_agent
from casedesk.customers.models import Product, Site
from casedesk.customers.queries import contact_by_email
from casedesk.portal.forms import INTAKE_PREFIX, NewCaseForm


class PhoneIntakeForm(NewCaseForm):
    """The portal's new-case form with the caller named by the agent: the same product intake
    fields, checked by the same rule (clean_intake_data)."""

    requester = forms.EmailField(label=gettext_lazy("Caller's e-mail"))
    channel = forms.ChoiceField(
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)],
        label=gettext_lazy("Channel"),
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        label=gettext_lazy("Product"),
        # Reload the chosen product's intake fields, as the portal does.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("desk:new_case"),
                "hx-trigger": "change",
                "hx-target": "#intake-fields",
                "hx-swap": "innerHTML",
            }
        ),
    )
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("Category"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label=gettext_lazy("Description")
    )
    field_order = ("requester", "channel", "product", "category", "severity", "subject")

    def __init__(
        self, *args: Any, intake_fields: list[IntakeField], attachment_count: int, **kwargs: Any
    ) -> None:
        # The caller's organization, and so its sites, is known only once the form is sent.
        super().__init__(
            *args,
            products=Product.objects.all(),
            sites=Site.objects.none(),
            intake_fields=intake_fields,
            attachment_count=attachment_count,
            **kwargs,
        )
        del self.fields["meeting_requested"]  # the caller's own choice, in the portal

    def case_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(INTAKE_PREFIX)]


def _intake_fields(product_id: str | None) -> list[IntakeField]:
    try:
        product = PhoneIntakeForm.base_fields["product"].clean(product_id)
    except ValidationError:  # none chosen, or not a product id
        return []
    return intake_fields_for(product)


@login_required
def new_case(request: HttpRequest) -> HttpResponse:
    user = require_agent(current_user(request))
    data = request.POST if request.method == "POST" else None
    form = PhoneIntakeForm(
        data,
        intake_fields=_intake_fields((data or request.GET).get("product")),
        attachment_count=len(request.FILES.getlist("attachments")),
    )
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "portal/_intake_fields.html", {"form": form})
    refusal = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        contact = contact_by_email(cleaned["requester"])
        try:
            if contact is None:
                raise DomainError(
                    _(
                        "%(email)s is not a contact person of any customer. Only designated "
                        "contact persons can open cases."
                    )
                    % {"email": cleaned["requester"]}
                )
            result = actions.do_submit_request(
                actor=user,
                requester=contact,
                product=cleaned["product"],
                subject=cleaned["subject"],
                description=cleaned["description"],
                category=cleaned["category"],
                severity=cleaned["severity"],
                channel=cleaned["channel"],
                intake_data=form.intake_data(),
                uploads=uploads_from(request),
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
