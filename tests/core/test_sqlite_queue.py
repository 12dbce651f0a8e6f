"""Without Redis, jobs travel through the embedded SQLite queue, kept at the main database's
durability (WAL, synchronous=NORMAL) rather than fsyncing every job."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import django, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "casedesk.settings"
    django.setup()
    from huey.contrib.djhuey import HUEY
    from casedesk.core.queue import CasedeskSqliteHuey
    assert isinstance(HUEY, CasedeskSqliteHuey), type(HUEY)

    @HUEY.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert HUEY.pending_count() == 1
    conn = HUEY.storage.conn
    print("synchronous", conn.execute("PRAGMA synchronous").fetchone()[0])
    print("journal", conn.execute("PRAGMA journal_mode").fetchone()[0])
    HUEY.execute(HUEY.dequeue())
    print("result", result.get())
""")


def test_jobs_round_trip_through_the_embedded_queue(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CASEDESK_REDIS_URL"}
    env.update(CASEDESK_DATA_DIR=str(tmp_path), CASEDESK_HUEY_IMMEDIATE="0")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    # 1 is NORMAL: durable across a crashed process, as the main database is.
    assert "synchronous 1" in done.stdout
    assert "journal wal" in done.stdout
    assert "result 5" in done.stdout
    assert (tmp_path / "huey.sqlite3").exists()
