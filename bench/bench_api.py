"""The API over HTTP against a real server: create-case throughput and list latency.

Starts gunicorn (gthread workers, DEBUG off) on 127.0.0.1 with bench/api_server.py, which is
the whole site plus two bare endpoints that give the ceiling of the stack: one INSERT, and one
single-row SELECT, behind the same token auth and rate limiting. Measures, with real HTTP
keep-alive clients (threads) on loopback only:

  * ceiling INSERT and create-case throughput with 1 and 8 clients, p50/p95 latency, and
    create-case as a fraction of the ceiling (aim: >= 50 %);
  * p50/p95 of the agent queue listing and of a contact's case list, next to the bare
    single-row SELECT (aim: list p95 within 3x of it);
  * the plans of the list queries (aim: no list query scans the whole cases table);
  * the bare SELECT again while six other clients open cases (no aim: reads must not queue
    behind writes; compare with the bare SELECT alone).

Data: a seeded generator makes N cases over N/1000 organizations (one contact each; the
benchmark's contact has about 1,000 cases), 80 % closed. The data set is kept per size and
database and reused on the next run.

Run (SQLite, 100,000 cases; the data lives in /tmp/casedesk-bench-api):

    .venv/bin/python bench/bench_api.py

The full run with 1,000,000 cases, and the same on PostgreSQL (creates the database):

    .venv/bin/python bench/bench_api.py --full
    .venv/bin/python bench/bench_api.py --full \
        --postgres postgres://root@127.0.0.1:5432/casedesk_api_bench

All measurements run --rounds times (default 3), round after round; the aims take the median
of each round's own ratio. Every measurement is bounded by --requests and --time-limit; all
traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BENCH_YEAR = "2019"  # seeded case numbers; cases made during the run get this year's
WRITERS = 6  # clients opening cases while one reads
READ_SECONDS = 5.0
BESIDE = f"bare SELECT, {WRITERS} writing"
Request = tuple[str, str, dict[str, Any] | None]


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="seeded cases (default 100k)")
    parser.add_argument("--full", action="store_true", help="1,000,000 cases")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "casedesk-bench-api")
    )
    # One thread per process: a worker's threads share one interpreter lock, and on two
    # cores 8 x 1 served both the ceiling and create-case faster than 4 x 2 did (PostgreSQL,
    # 8 clients, alternating: ceiling 396-431 vs 336-427 req/s, create 220-265 vs 195-226).
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--requests", type=int, default=400, help="per measurement")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all measurements")
    parser.add_argument("--seed", type=int, default=20260101)
    ns = parser.parse_args()
    if ns.full:
        ns.cases = 1_000_000
    return ns


def _configure(ns: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "casedesk.settings"
    os.environ["CASEDESK_DEBUG"] = "0"
    os.environ["CASEDESK_HUEY_IMMEDIATE"] = "0"
    # The limiter still runs (its cost is part of every request), but never trips.
    os.environ["CASEDESK_API_RATE_LIMIT"] = str(10**9)
    os.environ["CASEDESK_API_SERVICE_RATE_LIMIT"] = str(10**9)
    data_dir = Path(ns.data_dir) / ("postgres" if ns.postgres else f"sqlite-{ns.cases}")
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["CASEDESK_DATA_DIR"] = str(data_dir)
    if ns.postgres:
        url = f"{ns.postgres}_{ns.cases}"
        _ensure_postgres_database(url)
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)


def _ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --- data ---------------------------------------------------------------------------------


@dataclass
class World:
    agent_token: str
    contact_token: str
    product_id: int
    case_ids: tuple[int, int]


def _seed(n_cases: int, seed: int) -> World:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from casedesk.accounts.models import User
    from casedesk.api.actions import do_create_api_token
    from casedesk.cases.models import NO_DUE_TIME, Case, queue_class_for
    from casedesk.customers.models import Contact, ContactRole, Contract, Organization, Product

    product, _ = Product.objects.get_or_create(code="bench", defaults={"name": "Bench product"})
    agent, _ = User.objects.get_or_create(
        email="bench-agent@vendor.test", defaults={"is_staff": True, "password": "!"}
    )
    n_orgs = max(10, n_cases // 1000)
    if not Organization.objects.filter(name="Bench org 0").exists():
        with transaction.atomic():
            orgs = Organization.objects.bulk_create(
                Organization(name=f"Bench org {i}", country="NO") for i in range(n_orgs)
            )
            contracts = Contract.objects.bulk_create(
                Contract(organization=o, valid_from=datetime(2018, 1, 1).date()) for o in orgs
            )
            Contract.products.through.objects.bulk_create(
                Contract.products.through(contract=c, product=product) for c in contracts
            )
            user = User.objects.create(
                email="bench-contact@customer.test", password=make_password(None)
            )
            contacts = Contact.objects.bulk_create(
                Contact(
                    organization=o,
                    user=user if i == 0 else None,
                    name=f"Contact {i}",
                    email=f"contact{i}@bench.test",
                )
                for i, o in enumerate(orgs)
            )
            ContactRole.objects.bulk_create(
                ContactRole(contact=c, role="general") for c in contacts
            )
    orgs_by_index = dict(
        Organization.objects.filter(name__startswith="Bench org ").values_list("name", "pk")
    )
    org_ids = [orgs_by_index[f"Bench org {i}"] for i in range(n_orgs)]
    contact_of = dict(
        Contact.objects.filter(organization_id__in=org_ids).values_list("organization_id", "pk")
    )
    have = Case.objects.filter(number__startswith=f"{BENCH_YEAR}-").count()
    if have < n_cases:
        rng = random.Random(seed)
        rng.random()  # the same stream for the same seed, whatever was seeded before
        now = datetime.now(UTC)
        ranks: dict[int, int] = {}
        started = time.perf_counter()
        batch: list[Case] = []
        for i in range(have, n_cases):
            org = org_ids[rng.randrange(n_orgs)]
            severity = rng.choice((1, 1, 2, 2, 2, 3, 4, 5, 6))
            closed = rng.random() < 0.8
            created = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            updated = created + timedelta(minutes=rng.randrange(60 * 24 * 30))
            ranks[org] = ranks.get(org, 0) + 1
            batch.append(
                Case(
                    number=f"{BENCH_YEAR}-{i + 1:07d}",
                    organization_id=org,
                    product_id=product.pk,
                    requester_id=contact_of[org],
                    subject=f"Bench case {i + 1}: {rng.choice(('export', 'login', 'print'))}",
                    category=rng.choice(("question", "problem", "change", "feedback")),
                    severity=severity,
                    status="closed" if closed else rng.choice(("new", "open", "on_hold")),
                    rank=0 if closed else ranks[org],
                    queue_class=queue_class_for(severity),
                    queue_due_at=NO_DUE_TIME
                    if closed
                    else now + timedelta(minutes=rng.randrange(-600, 60 * 24 * 10)),
                    created_at=created,
                    updated_at=min(updated, now),
                    closed_at=updated if closed else None,
                )
            )
            if len(batch) == 20_000:
                _insert(batch)
                print(f"  seeded {i + 1:,} cases ({time.perf_counter() - started:.0f} s)")
                batch = []
        _insert(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  seeded {n_cases - have:,} cases in {time.perf_counter() - started:.0f} s")
    contact_user = User.objects.get(email="bench-contact@customer.test")
    first, last = (
        Case.objects.filter(number__startswith=f"{BENCH_YEAR}-")
        .order_by("id")
        .values_list("id", flat=True)[i]
        for i in (0, n_cases - 1)
    )
    return World(
        agent_token=do_create_api_token(
            actor=None, owner=agent, name="bench", scope="write", kind="service"
        ).plaintext,
        contact_token=do_create_api_token(
            actor=None, owner=contact_user, name="bench", scope="write"
        ).plaintext,
        product_id=product.pk,
        case_ids=(first, last),
    )


def _insert(batch: list[Any]) -> None:
    from django.db import transaction

    from casedesk.cases.models import Case

    if batch:
        with transaction.atomic():
            Case.objects.bulk_create(batch, batch_size=2000)


def _ensure_ping_table() -> None:
    from django.db import connection

    key = "BIGSERIAL PRIMARY KEY" if connection.vendor == "postgresql" else "INTEGER PRIMARY KEY"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS bench_ping (id {key}, note TEXT)")


# --- server and clients -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(ns: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "api_server:application",
        "--pythonpath",
        str(REPO / "bench"),
        "--chdir",
        str(REPO),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(ns.workers),
        "--threads",
        str(ns.threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "10",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603 - fixed arguments
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")


@dataclass
class Result:
    name: str
    clients: int
    count: int
    errors: int
    seconds: float
    p50: float
    p95: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _measure(
    name: str,
    port: int,
    token: str,
    clients: int,
    total: int,
    time_limit: float,
    make: Callable[[int], Request],
    expect: int,
) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit
    counter = iter(range(total))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, body = make(i)
            started = time.perf_counter()
            try:
                conn.request(method, path, json.dumps(body) if body else None, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == expect
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(name, clients, len(latencies), errors[0], seconds, cuts[49], cuts[94])


# --- plans --------------------------------------------------------------------------------


def _plans(world: World) -> list[tuple[str, str, list[str], bool]]:
    """(what, sql, plan lines, scans the whole cases table?) for each list query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casedesk.accounts.models import User
    from casedesk.cases.api import search_cases
    from casedesk.cases.schemas import CaseListParams

    agent = User.objects.get(email="bench-agent@vendor.test")
    contact = User.objects.get(email="bench-contact@customer.test")
    lists = [
        ("agent queue", agent, CaseListParams(sort="queue")),
        ("agent recent", agent, CaseListParams()),
        ("agent severity 4 queue", agent, CaseListParams(sort="queue", severity=4)),
        ("contact list", contact, CaseListParams()),
        ("contact rank order", contact, CaseListParams(sort="rank")),
    ]
    found = []
    for what, user, params in lists:
        with CaptureQueriesContext(connection) as captured:
            search_cases(user=user, params=params)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or '"cases_case"' not in sql.split("WHERE")[0]:
                continue
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"EXPLAIN {sql}")
                    lines = [row[0] for row in cursor.fetchall()]
                    full = any("Seq Scan on cases_case" in line for line in lines)
                else:
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                    lines = [row[-1] for row in cursor.fetchall()]
                    full = any(
                        line.startswith("SCAN cases_case") and "INDEX" not in line for line in lines
                    )
            found.append((what, sql, lines, full))
    return found


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    ns = _args()
    _configure(ns)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _ensure_ping_table()
    print(f"Database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND']}")
    print(f"Seeding {ns.cases:,} cases (reused when present) …")
    world = _seed(ns.cases, ns.seed)
    connection.close()
    port = _free_port()
    server = _start_server(ns, port)
    print(f"gunicorn: {ns.workers} workers x {ns.threads} threads (gthread) on 127.0.0.1:{port}")
    rng = random.Random(ns.seed)
    first, last = world.case_ids

    def new_case(i: int) -> Request:
        body = {
            "product": world.product_id,
            "subject": f"Benchmark case {i}",
            "description": "Created by bench_api.py",
            "category": "problem",
            "severity": 2,
        }
        return "POST", "/api/v1/cases", body

    def fixed(method: str, path: str) -> Callable[[int], Request]:
        return lambda i: (method, path, None)

    agent, contact = world.agent_token, world.contact_token
    n, limit = ns.requests, ns.time_limit
    select = lambda i: ("GET", f"/bench/select/{rng.randint(first, last)}", None)  # noqa: E731
    insert = fixed("POST", "/bench/insert")
    # (name, token, clients, request maker, expected status), measured in this order.
    plan: list[tuple[str, str, int, Callable[[int], Request], int]] = [
        ("ceiling: one INSERT", agent, 1, insert, 200),
        ("create case", contact, 1, new_case, 201),
        ("ceiling: one INSERT", agent, 8, insert, 200),
        ("create case", contact, 8, new_case, 201),
        ("bare single-row SELECT", agent, 1, select, 200),
        ("agent queue (first page)", agent, 1, fixed("GET", "/api/v1/cases?sort=queue"), 200),
        ("agent recent (first page)", agent, 1, fixed("GET", "/api/v1/cases"), 200),
        ("contact's case list", contact, 1, fixed("GET", "/api/v1/cases"), 200),
        ("contact's rank order", contact, 1, fixed("GET", "/api/v1/cases?sort=rank"), 200),
        ("bare single-row SELECT", agent, 8, select, 200),
        ("agent queue (first page)", agent, 8, fixed("GET", "/api/v1/cases?sort=queue"), 200),
    ]
    rounds: list[dict[tuple[str, int], Result]] = []
    try:
        # Warm every worker up (imports, connections, caches) before timing anything.
        for path in ("/api/v1/cases?sort=queue", "/api/v1/me"):
            _measure("warm-up", port, agent, 8, 64, limit, fixed("GET", path), 200)
        _measure("warm-up", port, contact, 8, 32, limit, new_case, 201)
        _measure("warm-up", port, agent, 8, 32, limit, insert, 200)
        # Whole rounds, so each ratio compares measurements taken next to each other: this
        # machine's speed drifts by a third between minutes, which one round cannot tell
        # from a change in the code.
        for _ in range(ns.rounds):
            results = {
                (name, clients): _measure(name, port, token, clients, n, limit, make, want)
                for name, token, clients, make, want in plan
            }
            # Reads next to writes: no API request may wait for another's write lock.
            writing = threading.Thread(
                target=_measure,
                args=("writers", port, contact, WRITERS, 10**6, READ_SECONDS + 2, new_case, 201),
            )
            writing.start()
            time.sleep(1)
            beside = _measure(BESIDE, port, agent, 1, n, READ_SECONDS, select, 200)
            writing.join()
            results[(BESIDE, 1)] = beside
            rounds.append(results)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{'measurement':<28} {'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8}   (round by round)"
    )
    for key in rounds[0]:
        for r in (results[key] for results in rounds):
            print(
                f"{r.name:<28} {r.clients:>7} {r.count:>8} {r.errors:>6} {r.per_second:>8.1f} "
                f"{r.p50 * 1000:>8.1f} {r.p95 * 1000:>8.1f}"
            )
    failed = any(r.errors for results in rounds for r in results.values())
    print(
        f"\nAims (median over {len(rounds)} round(s), each round's own ratio)"
        + ("  (INVALID: some requests failed, see above)" if failed else "")
    )
    for clients in (1, 8):
        shares = [
            results[("create case", clients)].per_second
            / max(results[("ceiling: one INSERT", clients)].per_second, 1e-9)
            for results in rounds
        ]
        share = statistics.median(shares)
        verdict = "met" if share >= 0.5 else "NOT met"
        print(
            f"  create-case with {clients} client(s): {share:.0%} of the INSERT ceiling "
            f"(rounds: {', '.join(f'{x:.0%}' for x in shares)}; aim >= 50 %: {verdict})"
        )
    for name in (p[0] for p in plan if p[0].startswith(("agent", "contact")) and p[2] == 1):
        ratios = [
            results[(name, 1)].p95 / max(results[("bare single-row SELECT", 1)].p95, 1e-9)
            for results in rounds
        ]
        ratio = statistics.median(ratios)
        verdict = "met" if ratio <= 3 else "NOT met"
        print(
            f"  {name}: p95 {ratio:.1f}x the bare SELECT's "
            f"(rounds: {', '.join(f'{x:.1f}x' for x in ratios)}; aim <= 3x: {verdict})"
        )
    print("\nPlans of the list queries (an index SCAN under the page LIMIT walks the index in")
    print("order and stops after one page; a SCAN without an index reads the whole table)")
    full_scans = 0
    for what, sql, lines, full in _plans(world):
        full_scans += full
        print(f"  {what}{'  <-- SCANS THE WHOLE TABLE' if full else ''}")
        print(f"    {sql[:300]}{' …' if len(sql) > 300 else ''}")
        for line in lines:
            print(f"      {line}")
    print(f"  list queries scanning the whole cases table: {full_scans} (aim: 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
