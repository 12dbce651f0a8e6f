"""Required information per product (seed: 'every request must state …')."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from casedesk.cases.models import IntakeField
from casedesk.core import configcache
from casedesk.core.errors import DomainError, ErrorCode
from casedesk.customers.models import Product

VALUE_MAX_LENGTH = 2000
# ASCII digits: str.isdigit() also takes "²", which is no number anyone typed.
_INTEGER = re.compile(r"-?[0-9]{1,30}")


def intake_fields_for(product: Product) -> list[IntakeField]:
    return configcache.cached(
        ("intake-fields", product.pk),
        lambda: list(IntakeField.objects.filter(product_id=product.pk)),
    )


def clean_intake_data(
    product: Product, data: Mapping[str, str], *, attachment_count: int
) -> dict[str, str]:
    """Check each configured field and report every problem at once. Nothing is dropped
    without a word: a key the product does not ask for, or a value too long, is a problem."""
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    missing: set[str] = set()
    fields = intake_fields_for(product)
    known = {field.key for field in fields}
    for key in sorted(set(data) - known):
        problems[key] = _("This product does not ask for “%(key)s”.") % {"key": key[:100]}
    for field in fields:
        if field.kind == IntakeField.Kind.ATTACHMENT:
            if field.required and attachment_count == 0:
                problems[field.key] = _("Please attach %(label)s.") % {"label": field.label}
                missing.add(field.key)
            continue
        value = (data.get(field.key) or "").strip()
        if not value:
            if field.required:
                problems[field.key] = _("Please fill in %(label)s.") % {"label": field.label}
                missing.add(field.key)
            continue
        if field.kind == IntakeField.Kind.DATE:
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                problems[field.key] = _("%(label)s must be a date (YYYY-MM-DD).") % {
                    "label": field.label
                }
                continue
        elif field.kind == IntakeField.Kind.NUMBER and not _INTEGER.fullmatch(value):
            problems[field.key] = _("%(label)s must be a number.") % {"label": field.label}
            continue
        if len(value) > VALUE_MAX_LENGTH:
            problems[field.key] = _("%(label)s is too long: at most %(max)s characters.") % {
                "label": field.label,
                "max": VALUE_MAX_LENGTH,
            }
            continue
        cleaned[field.key] = value
    if problems:
        raise DomainError(
            _("Some required information is missing.")
            if problems.keys() <= missing
            else _("Some information is not valid."),
            code=ErrorCode.MISSING_REQUIRED_FIELD,
            details=problems,
        )
    return cleaned
