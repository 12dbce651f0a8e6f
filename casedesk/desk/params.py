"""Query-string choices shared by the desk's list pages."""

from __future__ import annotations

from collections.abc import Collection

from django.http import HttpRequest


def chosen_state(request: HttpRequest, states: Collection[str], default: str) -> str:
    """The ?state= a list page filters by: one of `states`, "all", or (for anything else,
    e.g. an old bookmark) the default."""
    state = request.GET.get("state", default)
    return state if state in states or state == "all" else default
