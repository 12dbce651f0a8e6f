"""Webhook signatures (pure): HMAC-SHA256 over "<timestamp>.<body>", sent as
``X-Casedesk-Signature: t=<unix seconds>,v1=<hex digest>``.

The timestamp is inside the signed text, so a receiver that rejects old timestamps also
rejects replayed deliveries.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Casedesk-Signature"
DEFAULT_TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """What a receiver does: a recent timestamp and a matching v1 signature."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))
