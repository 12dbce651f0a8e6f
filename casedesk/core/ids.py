"""Row ids typed by people or tools into query strings and forms."""

from __future__ import annotations

import re

# A 64-bit integer column holds no more; SQLite and PostgreSQL refuse a larger value.
ID_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str | None) -> int | None:
    """The id, or None for anything else. ASCII digits only: "²".isdigit() is True, and
    int("²") raises."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= ID_MAX else None
