"""Benchmark: the nightly retention purge, a tenant's export and erasure, at volume, on PostgreSQL.

    .venv/bin/python bench/privacy.py                       # 1,000,000 attempts of 100,000 tenants
    .venv/bin/python bench/privacy.py --attempts 10000000   # the figures benchmark's volume
    .venv/bin/python bench/privacy.py --database-url postgresql+psycopg://127.0.0.1/postgres

The volume is the figures benchmark's (bench/figures.py: weekly rounds of one campaign for
100,000 tenants, follow-ups opened by the outcomes, most of them done), plus what the purge
also deletes: two provider events per call and a response per answered call. The clock is set
so that the first half of the rounds is older than the 24 months calls are kept (and all of
them older than the 12 months of answers and notes). Printed: the dry run (the whole purge,
rolled back), the purge itself, then one tenant's export (JSON and PDF) and erasure.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import fresh_postgres  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from bench.figures import ATTEMPTS_PER_TENANT_AND_ROUND  # noqa: E402
from bench.figures import FIRST_ROUND  # noqa: E402
from bench.figures import fill  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.domain.retention import months_before  # noqa: E402

BENCH_DATABASE = "veille_bench_privacy"
EXTRA = (
    """INSERT INTO call_events (attempt_id, idempotency_key, kind, detail, received_at)
       SELECT id, 'banc:' || id || ':' || k, CASE k WHEN 1 THEN 'status' ELSE 'gather' END,
              CAST(CASE k WHEN 1 THEN '{"status": "completed"}' ELSE '{"digits": "1"}' END AS json), ended_at
       FROM call_attempts, generate_series(1, 2) k""",
    """INSERT INTO responses (attempt_id, step, key, meaning, received_at)
       SELECT id, 'menu', '1', 'all_well', ended_at FROM call_attempts
       WHERE outcome NOT IN ('no_answer', 'busy', 'voicemail', 'failed')""",
    "UPDATE follow_ups SET note = 'Note du bénévole n° ' || id WHERE status = 'done'",
)


def load_answers(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in EXTRA:
            started = time.perf_counter()
            count = connection.execute(text(statement)).rowcount
            seconds = time.perf_counter() - started
            print(f"  loaded {statement.split()[2]:<14} {count:>11,} rows in {seconds:6.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"  {label:<44} {time.perf_counter() - started:8.2f} s", flush=True)
    return result


def measure(url: str, rounds: int) -> None:
    from voice_app.services.privacy_erasure import erase_tenant
    from voice_app.services.privacy_export import export_tenant
    from voice_app.services.privacy_pdf import render
    from voice_app.services.privacy_purge import purge

    first = datetime.combine(FIRST_ROUND, datetime.min.time(), UTC)
    now = first + timedelta(weeks=rounds // 2) + (first - months_before(first, 24))
    veille = bootstrap(Settings(DATABASE_URL=url), clock=lambda: now)
    try:
        with veille.session_factory() as session:
            landlord = session.scalar(text("SELECT id FROM organisations WHERE slug = 'bailleur-banc'"))
            reference = session.scalar(text("SELECT reference FROM tenants ORDER BY id DESC LIMIT 1"))
        calls, answers = months_before(now, 24), months_before(now, 12)
        print(f"clock at {now:%Y-%m-%d}: calls before {calls:%Y-%m-%d}, answers and notes before "
              f"{answers:%Y-%m-%d} go")
        dry = timed("purge --dry-run (the purge, rolled back)", lambda: purge(veille, landlord, dry_run=True))
        done = timed("purge", lambda: purge(veille, landlord))
        assert (dry.removal, dry.notes_erased) == (done.removal, done.notes_erased)
        for name, count in sorted(done.removal.deleted.items()):
            print(f"    deleted  {name:<18} {count:>11,}")
        for name, count in sorted(done.removal.detached.items()):
            print(f"    detached {name:<18} {count:>11,}")
        print(f"    notes erased {done.notes_erased:>25,}")
        timed("purge again (nothing left to purge)", lambda: purge(veille, landlord))
        document = timed("one tenant's export (JSON)", lambda: export_tenant(veille, landlord, reference))
        timed("the same as PDF", lambda: render(document))
        report = timed("one tenant's erasure", lambda: erase_tenant(veille, landlord, reference))
        print(f"    {sum(report.removal.deleted.values())} rows deleted")
    finally:
        veille.close()


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    arguments = parser.parse_args()
    follow_ups = arguments.attempts // 10
    rounds = -(-arguments.attempts // int(arguments.tenants * ATTEMPTS_PER_TENANT_AND_ROUND))
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with fresh_postgres(arguments.database_url, BENCH_DATABASE) as url:
        print(f"loading {arguments.attempts:,} attempts, {follow_ups:,} follow-ups, "
              f"{arguments.tenants:,} tenants")
        fill(url, arguments.tenants, arguments.attempts, follow_ups)
        load_answers(url)
        measure(url, rounds)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
