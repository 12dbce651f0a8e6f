"""Per-token rate limits: a fixed-window counter in the shared Django cache.

The cache is shared by every web process (Redis, or the database cache table without
Redis), so the limit holds across gunicorn workers. A fixed window may let a client burst
up to twice the limit across a window boundary; that is enough to protect the server.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from casedesk.api.models import ApiToken


class RateLimited(Exception):
    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(limit, retry_after)
        self.limit = limit
        self.retry_after = retry_after


def limit_for(token: ApiToken) -> int:
    if token.kind == ApiToken.Kind.SERVICE:
        return int(settings.CASEDESK_API_SERVICE_RATE_LIMIT)
    return int(settings.CASEDESK_API_RATE_LIMIT)


def check_rate(token: ApiToken) -> None:
    """Count this request against the token's window; RateLimited once it is used up."""
    window = int(settings.CASEDESK_API_RATE_WINDOW)
    limit = limit_for(token)
    now = time.time()
    bucket = int(now // window)
    key = f"api-rate:{token.pk}:{bucket}"
    try:
        count = cache.incr(key)
    except ValueError:
        # First request of the window; `add` keeps a racing request's count if it won.
        count = 1 if cache.add(key, 1, timeout=window + 5) else cache.incr(key)
    if count > limit:
        raise RateLimited(limit=limit, retry_after=max(1, math.ceil((bucket + 1) * window - now)))
