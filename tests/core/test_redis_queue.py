"""With CASEDESK_REDIS_URL set, background jobs travel through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.services import need, reachable

SCRIPT = textwrap.dedent("""
    import django, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "casedesk.settings"
    django.setup()
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY
    assert isinstance(HUEY, RedisHuey), type(HUEY)
    HUEY.name = "casedesk-test-" + str(os.getpid())
    HUEY.flush()

    @HUEY.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert HUEY.pending_count() == 1
    HUEY.execute(HUEY.dequeue())
    print("result", result.get())
    HUEY.flush()
""")


@pytest.mark.redis
def test_jobs_round_trip_through_redis() -> None:
    need(reachable("127.0.0.1", 6379), "needs Redis on 127.0.0.1:6379")
    env = {**os.environ, "CASEDESK_REDIS_URL": "redis://127.0.0.1:6379/3"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "result 5" in done.stdout
