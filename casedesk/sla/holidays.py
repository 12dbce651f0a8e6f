"""Public holidays of a country, named in its own language, from the `holidays` package.

Only the ``public`` category is used: what counts as a de-facto day off (24 and 31 December
in the Nordics, bridge days) differs per vendor, so those are added as the vendor's own
closures instead of being guessed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays
from django.utils.translation import gettext as _

from casedesk.core.errors import DomainError
from casedesk.sla.models import CalendarException

NAME_MAX_LENGTH = CalendarException._meta.get_field("name").max_length or 120


def public_holidays(*, country: str, years: Iterable[int]) -> dict[date, str]:
    """Date -> name of the country's public holidays in ``years``; several names on one
    date come joined, as the package gives them."""
    code = country.strip().upper()
    if not code:
        raise DomainError(_("Set the calendar's country before seeding public holidays."))
    try:
        # Constructed without years it computes nothing; it only tells the local language.
        probe = holidays.country_holidays(code)
    except NotImplementedError as exc:
        raise DomainError(
            _("No public holidays are known for the country %(country)s.") % {"country": code}
        ) from exc
    language = getattr(probe, "default_language", None)
    if language not in getattr(probe, "supported_languages", ()):
        language = None
    # The names come in the local language by default, but only by the package's convention;
    # asking for it explicitly keeps them stable across package versions.
    found = holidays.country_holidays(
        code, years=sorted(set(years)), categories=("public",), language=language
    )
    return {day: str(name)[:NAME_MAX_LENGTH] for day, name in sorted(found.items())}
