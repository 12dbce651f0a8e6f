"""Making and recognising token strings (pure: no database)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "cdk_"
PREFIX_SHOWN = 12


def new_token() -> str:
    # 32 random bytes: unguessable, so a fast hash at rest is enough.
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return token.startswith(PREFIX) and 20 <= len(token) <= 100
