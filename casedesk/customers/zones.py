"""Which time zone an organization's people read times in."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from casedesk.customers.models import Organization

# The countries this product's vendors serve. Deliberately small and explicit: a country
# with one civil zone maps to it; anything else falls back to the vendor's zone, which an
# operator can correct on the organization, rather than a guess from a big table.
COUNTRY_TIME_ZONES: dict[str, str] = {
    "NO": "Europe/Oslo",
    "SE": "Europe/Stockholm",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "IS": "Atlantic/Reykjavik",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
}


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def organization_time_zone(organization: Organization) -> str:
    """The organization's own zone if it names one, else its country's, else the vendor's."""
    own = organization.time_zone.strip()
    if own and _known(own):
        return own
    return COUNTRY_TIME_ZONES.get(organization.country.strip().upper(), settings.TIME_ZONE)
