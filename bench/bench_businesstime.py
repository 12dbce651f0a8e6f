"""Due-time computations per second for casedesk.sla.businesstime.

Run: python bench/bench_businesstime.py [--n 100000] [--seed 1]

Calendar: Mon-Fri 08-16 Europe/Oslo with Norwegian public holidays plus 24 and 31 December
(~14 closures a year) for 2025-2026; start instants uniformly random over those two years.
Each target is timed on its own after a warm-up pass (the per-week cache is then warm, which is
the steady state of a running server); the cold first pass is printed too.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casedesk.sla import businesstime as bt

CLOSED_DAYS = [
    # 2025
    "2025-01-01", "2025-04-17", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29",
    "2025-06-09", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31",
    # 2026
    "2026-01-01", "2026-04-02", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
    "2026-05-25", "2026-12-24", "2026-12-25", "2026-12-31",
    # weekend holidays: no effect on Mon-Fri hours, but present as in real data
    "2025-04-20", "2025-05-17", "2025-06-08", "2026-04-05", "2026-05-17", "2026-05-24",
    "2026-12-26",
]  # fmt: skip

TARGETS = [
    ("15 min", 15 * 60),
    ("1 h", 3600),
    ("8 h", 8 * 3600),
    ("5 business days", 5 * 8 * 3600),
    ("30 business days", 30 * 8 * 3600),
]


def make_calendar() -> bt.Calendar:
    return bt.Calendar.from_hours(
        "Europe/Oslo",
        {weekday: [(clock(8), clock(16))] for weekday in range(5)},
        {date.fromisoformat(day): [] for day in CLOSED_DAYS},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="computations per target")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    cal = make_calendar()
    zone = ZoneInfo("Europe/Oslo")
    rng = random.Random(args.seed)
    low = int(datetime(2025, 1, 1, tzinfo=zone).timestamp())
    high = int(datetime(2027, 1, 1, tzinfo=zone).timestamp())
    starts = [datetime.fromtimestamp(rng.randrange(low, high), zone) for _ in range(args.n)]
    add = bt.add_business_seconds

    cold = time.perf_counter()
    for start in starts:
        add(cal, start, TARGETS[-1][1])
    cold = time.perf_counter() - cold
    print(f"cold first pass (30 business days, empty cache): {args.n / cold:>10,.0f} /s")

    total_n, total_s = 0, 0.0
    for label, seconds in TARGETS:
        began = time.perf_counter()
        for start in starts:
            add(cal, start, seconds)
        elapsed = time.perf_counter() - began
        total_n += args.n
        total_s += elapsed
        print(f"{label:>17}: {args.n / elapsed:>10,.0f} due times/s")
    print(f"{'overall':>17}: {total_n / total_s:>10,.0f} due times/s")

    began = time.perf_counter()
    for start in starts:
        bt.business_seconds_between(cal, start, add(cal, start, 5 * 8 * 3600))
    elapsed = time.perf_counter() - began
    print(f"{'add+between 5 d':>17}: {args.n / elapsed:>10,.0f} pairs/s")


if __name__ == "__main__":
    main()
