"""Benchmark: plan one round for N enrolled tenants (DESIGN §10: planning must stay far
ahead of the provider). Prints the figures quoted in docs/campaigns.md.

    .venv/bin/python bench/plan_round.py --tenants 100000
    .venv/bin/python bench/plan_round.py --tenants 1000000
    .venv/bin/python bench/plan_round.py --backend sqlite --tenants 100000

PostgreSQL: a database of its own, created for the run beside --database-url's and dropped
at its end (bench/databases.py). SQLite: a file in a temporary folder. Tenants are generated
in SQL (1 % opted out, 1 % away on the round's day, 10 % preferring the morning, 10 % the
afternoon).

Besides the time, the CPU the planning used: this process's, and on a PostgreSQL server on this
machine that of the server processes that served it (read from /proc). CPU seconds move far
less than the time when the machine is shared: compare them between versions measured at
different loads.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from bench.processes import CLOCK_TICKS  # noqa: E402
from bench.processes import cpu_ticks  # noqa: E402
from db.models import CallAttempt  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.domain.campaigns import CampaignPolicy  # noqa: E402
from voice_app.services import planning  # noqa: E402
from voice_app.services.campaigns import create_campaign  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402
from voice_app.services.planning import plan_due_rounds  # noqa: E402
from voice_app.services.planning import plan_round  # noqa: E402

BENCH_DATABASE = "veille_bench_plan"
ORGANISATION = "Bench Habitat"
ROUND_DAY = date(2026, 11, 23)  # a Monday
PLANNED_AT = datetime(2026, 11, 23, 8, 45, tzinfo=UTC)  # 09:45 Paris, before the 10:00 window
# Fast enough for a million calls in two call days (the provider limit is raised on request).
POLICY = CampaignPolicy(weekdays=frozenset({0}), calls_per_second=50, max_concurrent_calls=3000)

NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) SELECT i FROM n"
TENANTS_SQL = """
INSERT INTO tenants (organisation_id, reference, last_name, household, phone, language, site,
                     preferred_half_day, manual_flag, opted_out_at, created_at, updated_at)
SELECT :organisation_id, 'B-' || i, 'Locataire', 'alone',
       '+336' || substr('00000000' || i, -8, 8), 'fr', 'Site ' || (i % 50),
       CASE WHEN i % 10 = 1 THEN 'am' WHEN i % 10 = 2 THEN 'pm' END, false,
       CASE WHEN i % 100 = 3 THEN :now END, :now, :now
FROM ({numbers}) AS numbers
"""
ENROLMENTS_SQL = """
INSERT INTO enrolments (tenant_id, organisation_id, status, legal_basis, source, enrolled_on, created_at)
SELECT id, organisation_id, 'enrolled', 'public_interest', 'bench', :day, :now FROM tenants
"""
AWAY_SQL = """
INSERT INTO away_periods (tenant_id, starts_on, ends_on, reason)
SELECT id, :day, :day, 'hospital' FROM tenants WHERE id % 100 = 4
"""


def load_tenants(veille, organisation_id: int, count: int) -> float:
    """Insert `count` enrolled tenants in SQL; return the seconds it took."""
    started = time.perf_counter()
    postgres = veille.engine.dialect.name == "postgresql"
    numbers = "SELECT generate_series(1, :count) AS i" if postgres else NUMBERS
    parameters = {"organisation_id": organisation_id, "count": count, "now": PLANNED_AT, "day": ROUND_DAY}
    with veille.engine.begin() as connection:
        connection.execute(text(TENANTS_SQL.format(numbers=numbers)), parameters)
        connection.execute(text(ENROLMENTS_SQL), parameters)
        connection.execute(text(AWAY_SQL), parameters)
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


class ServerCpu:
    """The user and system CPU seconds of the PostgreSQL server processes serving an engine's
    connections opened from now on (their pids asked at connect, their CPU read from /proc:
    None when the server is not on this machine)."""

    def __init__(self, engine) -> None:
        self.pids: list[int] = []
        if engine.dialect.name == "postgresql":
            engine.dispose()  # the planning's connections are new: their CPU is the planning's
            event.listen(engine, "connect", self._note_pid)

    def _note_pid(self, connection, _record) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pids.append(cursor.fetchone()[0])

    def seconds(self) -> float | None:
        ticks = [cpu_ticks(pid) for pid in self.pids]
        return sum(ticks) / CLOCK_TICKS if ticks and None not in ticks else None


def run(url: str, count: int) -> dict:
    """Load `count` tenants into the empty database at `url`, plan their round, time it."""
    veille = bootstrap(Settings(DATABASE_URL=url), clock=lambda: PLANNED_AT)
    try:
        organisation = ensure_organisation(veille.session_factory, ORGANISATION)
        load_seconds = load_tenants(veille, organisation.id, count)
        create_campaign(veille, "Bench", POLICY, starts_on=date(2026, 11, 1))
        server = ServerCpu(veille.engine)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = plan_round(veille, "Bench", ROUND_DAY, now=PLANNED_AT)
        plan_seconds = time.perf_counter() - started
        process_cpu, server_cpu = time.process_time() - cpu_started, server.seconds()
        started = time.perf_counter()
        again = plan_due_rounds(veille, PLANNED_AT)
        replan_seconds = time.perf_counter() - started
        with veille.session_factory.begin() as session:
            stored = session.scalar(select(func.count()).select_from(CallAttempt))
            bounds = select(func.min(CallAttempt.due_at), func.max(CallAttempt.due_at))
            first, last = session.execute(bounds).one()
        return {"tenants": count, "load_s": load_seconds, "plan_s": plan_seconds, "attempts": result.attempts,
                "stored": stored, "replanned": len(again), "replan_s": replan_seconds,
                "over_capacity": result.over_capacity, "first_due": first, "last_due": last,
                "process_cpu_s": process_cpu, "server_cpu_s": server_cpu}
    finally:
        veille.close()


def report(backend: str, figures: dict) -> None:
    rate = figures["attempts"] / figures["plan_s"] if figures["plan_s"] else float("inf")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"backend={backend} workers={planning.POSTGRES_WORKERS} load_average=({load}) "
          f"tenants={figures['tenants']:,} load={figures['load_s']:.1f}s plan={figures['plan_s']:.2f}s "
          f"attempts={figures['attempts']:,} ({rate:,.0f} attempts/s) "
          f"second_run={figures['replan_s'] * 1000:.0f}ms new_rounds={figures['replanned']} "
          f"over_capacity={figures['over_capacity']}")
    print(f"  due from {figures['first_due']:%Y-%m-%d %H:%M} to {figures['last_due']:%Y-%m-%d %H:%M} UTC")
    server = figures["server_cpu_s"]
    print(f"  CPU of the planning: this process {figures['process_cpu_s']:.2f} s, database server "
          + (f"{server:.2f} s" if server is not None else "not measured (SQLite, or not on this machine)"))


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--workers", type=int, default=planning.POSTGRES_WORKERS,
                        help="parallel INSERT statements on PostgreSQL")
    arguments = parser.parse_args()
    planning.POSTGRES_WORKERS = arguments.workers
    with bench_database(arguments.backend, arguments.database_url, BENCH_DATABASE) as url:
        report(arguments.backend, run(url, arguments.tenants))


if __name__ == "__main__":
    main()
