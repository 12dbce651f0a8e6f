from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casedesk.cases.intake import clean_intake_data
from casedesk.cases.models import Category, IntakeField, Severity
from casedesk.core.errors import DomainError
from casedesk.customers.models import Product, Site

INTAKE_PREFIX = "intake_"


def intake_form_field(field: IntakeField) -> forms.Field | None:
    # Requiredness is checked by the domain (clean_intake_data), so that the form, e-mail
    # and API intake all follow one rule; the browser still gets the hint.
    common: dict[str, Any] = {
        "label": field.label,
        "help_text": field.help_text,
        "required": False,
    }
    if field.required:
        common["widget_attrs"] = {"required": True}
    if field.kind == IntakeField.Kind.ATTACHMENT:
        return None  # satisfied by the attachments input
    attrs = common.pop("widget_attrs", {})
    if field.kind == IntakeField.Kind.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, **attrs}), **common)
    if field.kind == IntakeField.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date", **attrs}), **common)
    if field.kind == IntakeField.Kind.NUMBER:
        return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **common)
    return forms.CharField(max_length=2000, widget=forms.TextInput(attrs=attrs), **common)


class NewCaseForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"), required=False)
    category = forms.ChoiceField(choices=Category.choices, label=_("Type of request"))
    severity = forms.TypedChoiceField(
        choices=Severity.choices,
        coerce=int,
        label=_("Severity"),
        initial=Severity.QUESTION,
        help_text=_(
            "4 and 5 only when the system is down or partly down; 6 uses prepaid points and is "
            "handled at once."
        ),
    )
    subject = forms.CharField(max_length=250, label=_("Subject"))
    meeting_requested = forms.BooleanField(
        required=False,
        label=_("I would like a phone or video meeting about this"),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label=_("Description"),
        help_text=_("What happened, where in the system, and what you expected."),
    )

    def __init__(
        self,
        *args: Any,
        products: Any,
        sites: Any,
        intake_fields: list[IntakeField],
        attachment_count: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.attachment_count = attachment_count
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if not sites.exists():
            del self.fields["site"]
        self.intake_fields = intake_fields
        for field in intake_fields:
            form_field = intake_form_field(field)
            if form_field is not None:
                self.fields[INTAKE_PREFIX + field.key] = form_field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        if product is not None:
            try:
                clean_intake_data(
                    product, self.intake_data(), attachment_count=self.attachment_count
                )
            except DomainError as error:
                for key, text in error.details.items():
                    name = INTAKE_PREFIX + key
                    self.add_error(name if name in self.fields else None, text)
        return data

    def intake_data(self) -> dict[str, str]:
        return {
            name.removeprefix(INTAKE_PREFIX): "" if value is None else str(value)
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name.startswith(INTAKE_PREFIX)
        }

    def intake_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(INTAKE_PREFIX)]


class ReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), label=_("Your reply"), required=False
    )
