"""Case numbers `YYYY-NNNNNN`: sequential per year, unique and without gaps.

The counter row is incremented inside the transaction that creates the case, so the row
lock serialises concurrent creators and a rolled-back case gives its number back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from casedesk.cases.models import CaseNumberCounter


def format_case_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def allocate_case_number(at: datetime) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_case_number must run inside the case's transaction")
    year = timezone.localtime(at).year
    # INSERT .. ON CONFLICT DO NOTHING: the first case of a year creates the row without
    # racing another creator into an IntegrityError.
    CaseNumberCounter.objects.bulk_create([CaseNumberCounter(year=year)], ignore_conflicts=True)
    CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = CaseNumberCounter.objects.values_list("last", flat=True).get(year=year)
    return format_case_number(year, last)
