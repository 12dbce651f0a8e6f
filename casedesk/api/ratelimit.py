"""Per-token rate limits: a fixed-window counter shared by every web process.

With Redis the counter is a cache key (INCR); without it, a row per token and window counted
up by one upsert statement — the database cache would need five statements and its own
transaction for the same. Either way the limit holds across gunicorn workers. A fixed window
may let a client burst up to twice the limit across a window boundary; that is enough to
protect the server.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from casedesk.api.models import ApiToken, RateCount

_TABLE = RateCount._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (token_id, bucket, count) VALUES (%s, %s, 1) "  # noqa: S608
    f"ON CONFLICT (token_id, bucket) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count"
)
_FORGET = f"DELETE FROM {_TABLE} WHERE token_id = %s AND bucket < %s"  # noqa: S608


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
    count = _count_in_cache(token, bucket, window) if settings.REDIS_URL else _count(token, bucket)
    if count > limit:
        raise RateLimited(limit=limit, retry_after=max(1, math.ceil((bucket + 1) * window - now)))


def _count_in_cache(token: ApiToken, bucket: int, window: int) -> int:
    key = f"api-rate:{token.pk}:{bucket}"
    try:
        return int(cache.incr(key))
    except ValueError:
        # First request of the window; `add` keeps a racing request's count if it won.
        return 1 if cache.add(key, 1, timeout=window + 5) else int(cache.incr(key))


def _count(token: ApiToken, bucket: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [token.pk, bucket])
        count = int(cursor.fetchone()[0])
        if count == 1:
            # Once per window: the token's earlier windows are of no use any more.
            cursor.execute(_FORGET, [token.pk, bucket])
    return count
