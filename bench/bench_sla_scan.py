"""How long the SLA warning/breach scan takes with 1,000,000 cases (PostgreSQL).

Run (creates and fills its own database, casedesk_bench, on first use; later runs reuse it):

    DATABASE_URL=postgres://root@127.0.0.1:5432/casedesk_bench \
        .venv/bin/python bench/bench_sla_scan.py [--cases 1000000] [--due 200]

Data: one organization, product and calendar; N open cases, each with a first-response and
a resolution clock. Most clocks run with alerts spread over the coming year, some are met,
and `--due` clocks have an alert that has passed. The benchmark prints the plan of the scan's
candidate query, the time of a scan that handles the due clocks (notices, audit events), and
of a scan with nothing to do, which is what the per-minute job costs almost always.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casedesk.settings")
# Notices are queued for the worker, as in production; the scan itself is what is timed.
os.environ.setdefault("CASEDESK_HUEY_IMMEDIATE", "0")


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


FILL = """
INSERT INTO cases_case (number, organization_id, product_id, requester_id, subject,
    category, severity, status, rank, queue_class, queue_due_at, intake_data, channel,
    created_at, updated_at, reminder_count, meeting_requested)
SELECT '2026-' || lpad(g::text, 7, '0'), %(org)s, %(product)s, %(contact)s, 'Bench case ' || g,
    'problem', 1 + g %% 6, 'open', g, CASE WHEN g %% 6 >= 3 THEN 0 ELSE 1 END,
    now() + (g %% 100000) * interval '1 minute', '{}', 'portal', now(), now(), 0, false
FROM generate_series(%(start)s, %(stop)s) AS g;

INSERT INTO sla_slatimer (case_id, metric, calendar_id, business_time, target_seconds,
    warning_percent, consumed_seconds, segment_started_at, state, cycle, due_at, warn_at,
    warned_cycle, breached_cycle, alert_at, met_at)
SELECT c.id, m.metric, %(calendar)s, true, 14400, 80, 0, now(),
    CASE WHEN m.metric = 'first_response' AND c.id %% 5 = 0 THEN 'met' ELSE 'running' END,
    1, now() + (1 + c.id %% 500000) * interval '1 minute',
    now() + (c.id %% 500000) * interval '1 minute', 0, 0,
    CASE WHEN m.metric = 'first_response' AND c.id %% 5 = 0 THEN NULL
         ELSE now() + (c.id %% 500000) * interval '1 minute' END,
    NULL
FROM cases_case c
CROSS JOIN (VALUES ('first_response'), ('resolution')) AS m(metric)
WHERE c.number >= '2026-' || lpad(%(start)s::text, 7, '0')
  AND c.number <= '2026-' || lpad(%(stop)s::text, 7, '0');
"""


def _fill(cases: int) -> None:
    from django.db import connection, transaction

    from casedesk.cases.models import Case
    from casedesk.customers.models import Contact, Organization, Product
    from casedesk.sla.models import Calendar, OpeningHours

    have = Case.objects.count()
    if have >= cases:
        print(f"database has {have:,} cases; reusing them")
        return
    org, _ = Organization.objects.get_or_create(name="Bench Org", defaults={"country": "NO"})
    product, _ = Product.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    contact, _ = Contact.objects.get_or_create(
        email="bench@bench.test", defaults={"organization": org, "name": "Bench"}
    )
    calendar, created = Calendar.objects.get_or_create(name="Bench office")
    if created:
        for weekday in range(7):
            OpeningHours.objects.create(
                calendar=calendar, weekday=weekday, opens="00:00", closes="00:00"
            )
    began = time.perf_counter()
    step = 100_000
    for start in range(have + 1, cases + 1, step):
        stop = min(start + step - 1, cases)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                FILL,
                {
                    "org": org.pk,
                    "product": product.pk,
                    "contact": contact.pk,
                    "calendar": calendar.pk,
                    "start": start,
                    "stop": stop,
                },
            )
        print(f"  filled {stop:,} cases", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case; ANALYZE sla_slatimer;")
    print(f"filled in {time.perf_counter() - began:.1f} s")


def _make_due(count: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_slatimer SET alert_at = now() - interval '1 minute', "
            "warn_at = now() - interval '2 minutes', due_at = now() - interval '1 minute' "
            "WHERE id IN (SELECT id FROM sla_slatimer WHERE state = 'running' "
            "AND alert_at IS NOT NULL ORDER BY alert_at DESC LIMIT %s)",
            [count],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "set DATABASE_URL=postgres://…/casedesk_bench (the scan is measured on PostgreSQL)"
        )
    _ensure_database(url)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import timezone

    from casedesk.sla.models import SLATimer
    from casedesk.sla.scan import do_scan_sla

    _fill(args.cases)
    _make_due(args.due)
    now = timezone.now()
    candidates = (
        SLATimer.objects.filter(state="running", alert_at__lte=now, pk__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    sql, params = candidates.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("plan of the scan's candidate query:")
        for (line,) in cursor.fetchall():
            print("   ", line)
    print(f"timers: {SLATimer.objects.count():,}")
    began = time.perf_counter()
    result = do_scan_sla(now=now)
    busy = time.perf_counter() - began
    print(
        f"scan with {args.due} due clocks: {busy * 1000:.0f} ms "
        f"(warned {result.warned}, breached {result.breached})"
    )
    began = time.perf_counter()
    idle = do_scan_sla(now=timezone.now())
    quiet = time.perf_counter() - began
    print(f"scan with nothing due:  {quiet * 1000:.1f} ms (breached {idle.breached})")


if __name__ == "__main__":
    main()
