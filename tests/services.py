"""Skip a suite whose service is absent, or fail it when CI says services are required."""

from __future__ import annotations

import os
import socket

import pytest


def services_required() -> bool:
    return os.environ.get("CASEDESK_REQUIRE_SERVICES") == "1"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(available: bool, reason: str) -> None:
    if available:
        return
    if services_required():
        pytest.fail(f"{reason} (required: CASEDESK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)
