"""Required information per product (seed: 'every request must state …')."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from casedesk.cases.models import IntakeField
from casedesk.core import configcache
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.customers.models import Product


def intake_fields_for(product: Product) -> list[IntakeField]:
    return configcache.cached(
        ("intake-fields", product.pk),
        lambda: list(IntakeField.objects.filter(product_id=product.pk)),
    )


def clean_intake_data(
    product: Product, data: Mapping[str, str], *, attachment_count: int
) -> dict[str, str]:
    """Keep only configured fields, check each, and report every problem at once."""
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field in intake_fields_for(product):
        if field.kind == IntakeField.Kind.ATTACHMENT:
            if field.required and attachment_count == 0:
                problems[field.key] = _("Please attach %(label)s.") % {"label": field.label}
            continue
        value = (data.get(field.key) or "").strip()
        if not value:
            if field.required:
                problems[field.key] = _("Please fill in %(label)s.") % {"label": field.label}
            continue
        if field.kind == IntakeField.Kind.DATE:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                problems[field.key] = _("%(label)s must be a date (YYYY-MM-DD).") % {
                    "label": field.label
                }
                continue
        elif field.kind == IntakeField.Kind.NUMBER and not value.lstrip("-").isdigit():
            problems[field.key] = _("%(label)s must be a number.") % {"label": field.label}
            continue
        cleaned[field.key] = value[:2000]
    if problems:
        raise DomainError(
            _("Some required information is missing."),
            code=ErrorCode.MISSING_REQUIRED_FIELD,
            details=problems,
        )
    return cleaned
