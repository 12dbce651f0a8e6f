"""Checking the IANA time zone names people type into settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def is_known_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_time_zone(name: str) -> None:
    """Refuse a misspelt zone when it is saved: where it is used, an unknown zone quietly
    becomes UTC or the vendor's zone, and nobody notices that the times shown are wrong."""
    if name and not is_known_time_zone(name):
        raise ValidationError(
            _("Unknown time zone %(name)s; use an IANA name such as Europe/Copenhagen.")
            % {"name": name}
        )
