"""`make test`: the suite on SQLite, then again on PostgreSQL when it is reachable.

Suites needing PostgreSQL, Redis or Chromium skip with a reason when those are absent, and
fail instead when CASEDESK_REQUIRE_SERVICES=1 (CI sets it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

POSTGRES_URL = os.environ.get("CASEDESK_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest(*args: str, env: dict[str, str] | None = None) -> int:
    cmd = [sys.executable, "-m", "pytest", *args, *sys.argv[1:]]
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, env={**os.environ, **(env or {})})  # noqa: S603


def main() -> int:
    required = os.environ.get("CASEDESK_REQUIRE_SERVICES") == "1"
    os.environ.pop("DATABASE_URL", None)
    # PostgreSQL-only tests run in the second pass, against PostgreSQL.
    status = pytest("-m", "not postgres")
    if status != 0:
        return status
    if reachable("127.0.0.1", 5432) or required:
        print("== the database suite again, on PostgreSQL ==", flush=True)
        status = pytest("-m", "not browser and not redis", env={"DATABASE_URL": POSTGRES_URL})
    else:
        print("PostgreSQL is not reachable on 127.0.0.1:5432: skipping the PostgreSQL run.")
    return status


if __name__ == "__main__":
    sys.exit(main())
