"""Benchmark: the figures page with 10 million call attempts and 1 million follow-ups (issue: under
300 ms), on PostgreSQL.

    .venv/bin/python bench/figures.py              # 10,000,000 attempts, 1,000,000 follow-ups
    .venv/bin/python bench/figures.py --attempts 1000000 --follow-ups 100000
    .venv/bin/python bench/figures.py --database-url postgresql+psycopg://127.0.0.1/postgres

The volume is made in SQL (generate_series), not through the ORM: 100,000 tenants of one landlord
(a fifth followed by a partner's volunteers), weekly rounds of one campaign until the attempts
are reached (about 1.3 attempts per tenant and round: no answer, busy and voicemail are retried
once), the IVR outcomes of a plausible round, and follow-ups opened by those outcomes, most of
them done (on time or late, by the tenant's volunteer or another, with referrals). Unique and
foreign-key constraints and secondary indexes are dropped during the load and rebuilt after it
(the foreign keys then check the data), and the tables are vacuumed and analysed, as a
database that has lived would be.

The load bypasses the services that keep the figures' summary, so the summary is then rebuilt
from the facts (`veille figures rebuild`, timed). Each figure is the median of 20 requests
(`--runs`) of a signed-in coordinator through the whole web stack (Flask test client: routing,
sign-in check, queries, charts, template) for a month in the middle of the data (and, for
comparison, the same month counted from the facts by the service, median of 3); then each query
of one request is shown with its planner cost and its actual time (EXPLAIN ANALYZE). The data
goes in a database of its own, created for the run beside --database-url's and dropped at its
end (bench/databases.py); the given one is never written.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import sys
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import fresh_postgres  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.domain.figures import month_period  # noqa: E402
from voice_app.domain.people import Role  # noqa: E402
from voice_app.domain.people import Viewer  # noqa: E402
from voice_app.services import figure_counts  # noqa: E402
from voice_app.services.accounts import NewUser  # noqa: E402
from voice_app.services.accounts import create_user  # noqa: E402
from voice_app.services.figures import WORK_MEM  # noqa: E402
from voice_app.services.figures import compute  # noqa: E402
from voice_app.services.organisations import create_organisation  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402
from voice_app.services.organisations import grant_partnership  # noqa: E402

BENCH_DATABASE = "veille_bench_figures"
PASSWORD = "mot de passe du banc"
RUNS = 20
FIRST_ROUND = date(2025, 1, 7)  # a Tuesday
ATTEMPTS_PER_TENANT_AND_ROUND = 1.3
LOADED_TABLES = ("tenants", "enrolments", "call_attempts", "follow_ups")

# Outcome of a first attempt by a hash in 0..99: mostly "ok", some help, silences and retries.
FIRST_OUTCOME = """CASE
  WHEN h < 50 THEN 'ok' WHEN h < 53 THEN 'help_health' WHEN h < 56 THEN 'help_food'
  WHEN h < 59 THEN 'help_other' WHEN h < 60 THEN 'live_transfer_missed' WHEN h < 61 THEN 'opt_out_unconfirmed'
  WHEN h < 65 THEN 'no_key' WHEN h < 80 THEN 'no_answer' WHEN h < 90 THEN 'voicemail' WHEN h < 95 THEN 'busy'
  WHEN h < 96 THEN 'failed' ELSE 'ok' END"""
REASON_OF_OUTCOME = """CASE a.outcome
  WHEN 'help_health' THEN 'help_health' WHEN 'help_food' THEN 'help_food' WHEN 'help_other' THEN 'help_other'
  WHEN 'live_transfer_missed' THEN 'live_transfer_missed' WHEN 'opt_out_unconfirmed' THEN 'call_me_back'
  WHEN 'no_key' THEN 'no_key' ELSE 'unreachable' END"""
REFERRALS = """CASE a.id % 7 WHEN 0 THEN '["health"]' WHEN 1 THEN '["food", "social"]'
  WHEN 2 THEN '["social"]' WHEN 3 THEN '["field"]' WHEN 4 THEN '["rent"]' WHEN 5 THEN '["housing"]'
  ELSE '["nothing"]' END"""


def people(veille) -> tuple[int, int]:
    """The landlord, a partner, a coordinator who signs in; returns (landlord, partner) ids."""
    landlord = ensure_organisation(veille.session_factory, "Bailleur Banc")
    partner = create_organisation(veille, "Association Banc", kind="partner")
    grant_partnership(veille, landlord.id, partner.id)
    create_user(veille, NewUser(email="coord@banc.test", role="coordinator", name="Coord",
                                organisation_id=landlord.id), password=PASSWORD)
    return landlord.id, partner.id


def load(connection, landlord: int, partner: int, tenants: int, attempts: int, follow_ups: int) -> int:
    """Fill the tables in SQL; returns the number of weekly rounds made."""
    rounds = math.ceil(attempts / (tenants * ATTEMPTS_PER_TENANT_AND_ROUND))
    params = dict(landlord=landlord, partner=partner, tenants=tenants, rounds=rounds, first=FIRST_ROUND)
    steps = [
        """INSERT INTO users (organisation_id, email, display_name, role, on_duty, capacity, active,
                  created_at)
           SELECT CASE WHEN n % 5 = 0 THEN :partner ELSE :landlord END, 'benevole' || n || '@banc.test',
                  'Bénévole ' || n, 'volunteer', false, 500, true, now() FROM generate_series(1, 250) n""",
        """INSERT INTO tenants (organisation_id, reference, last_name, first_name, household, birth_year,
                  phone, language, site, manual_flag, keep_automated_calls, assigned_volunteer_id, created_at,
                  updated_at)
           SELECT :landlord, 'B-' || lpad(n::text, 7, '0'), 'Nom' || (n % 97), 'Jeanne', 'alone',
                  1930 + n % 30,
                  '+336' || lpad(n::text, 8, '0'), 'fr', 'Résidence ' || lpad((n % 200)::text, 3, '0'), false,
                  false, v.first + n % 250, now(), now()
           FROM generate_series(1, :tenants) n,
                (SELECT min(id) AS first FROM users WHERE email LIKE 'benevole%') v""",
        """INSERT INTO enrolments (tenant_id, organisation_id, status, legal_basis, source, enrolled_on,
                  created_at)
           SELECT id, :landlord, 'enrolled', 'public_interest', 'banc',
                  CAST(:first AS date) - 30 + (id % 60), now() FROM tenants""",
        """INSERT INTO campaigns (organisation_id, name, kind, target, target_sites, policy, active,
                  created_at)
           VALUES (:landlord, 'Appel du mardi', 'weekly', 'all', '[]', '{}', true, now())""",
        """INSERT INTO rounds (campaign_id, scheduled_on, starts_at, ends_at, status, planned_count,
                  planned_at)
           SELECT c.id, CAST(:first AS date) + 7 * w, (CAST(:first AS date) + 7 * w) + time '09:00',
                  (CAST(:first AS date) + 7 * w) + time '17:00', 'closed', :tenants, now()
           FROM generate_series(0, :rounds - 1) w,
                (SELECT id FROM campaigns WHERE name = 'Appel du mardi') c""",
        f"""INSERT INTO call_attempts (token, organisation_id, tenant_id, round_id, attempt_number,
                  is_last_attempt, direction, purpose, state, outcome, due_at, dialled_at, ended_at, silences,
                  needs_reconciliation, created_at)
           SELECT md5(r.id || '-' || t.id || '-' || x.n), :landlord, t.id, r.id, x.n, x.n = 2, 'outbound',
                  'round',
                  'ended', CASE WHEN x.n = 1 THEN {FIRST_OUTCOME}
                                WHEN (t.id + r.id) % 2 = 0 THEN 'ok' ELSE 'no_answer' END,
                  r.starts_at + ((t.id % 480) + (x.n - 1) * 180) * interval '1 minute',
                  r.starts_at + ((t.id % 480) + (x.n - 1) * 180) * interval '1 minute',
                  r.starts_at + ((t.id % 480) + (x.n - 1) * 180 + 2) * interval '1 minute', 0, false,
                  r.starts_at
           FROM rounds r CROSS JOIN tenants t CROSS JOIN LATERAL (SELECT (t.id * 7 + r.id * 13) % 100 AS h) k
                CROSS JOIN LATERAL (SELECT 1 AS n UNION ALL SELECT 2 WHERE k.h BETWEEN 65 AND 94) x""",
        f"""INSERT INTO follow_ups (organisation_id, tenant_id, attempt_id, round_id, dedup_key, reason,
                  priority, due_at, status, assignee_id, claimed_at, completed_at, reached, referrals,
                  completed_by_id, contact_attempts, created_at)
           SELECT :landlord, a.tenant_id, a.id, a.round_id, 'banc:' || a.id, {REASON_OF_OUTCOME}, 'normal',
                  a.ended_at + interval '4 hours', CASE WHEN a.id % 20 = 0 THEN 'open' ELSE 'done' END,
                  t.assigned_volunteer_id, a.ended_at,
                  CASE WHEN a.id % 20 <> 0 THEN a.ended_at + (a.id % 7) * interval '1 hour' END,
                  a.id % 20 <> 0, CAST({REFERRALS} AS json),
                  CASE WHEN a.id % 20 = 0 THEN NULL WHEN a.id % 5 = 0 THEN v.first + (t.id + 1) % 250
                       ELSE t.assigned_volunteer_id END, 0, a.ended_at
           FROM call_attempts a JOIN tenants t ON t.id = a.tenant_id,
                (SELECT min(id) AS first FROM users WHERE email LIKE 'benevole%') v
           WHERE a.outcome NOT IN ('ok', 'voicemail', 'busy', 'no_answer')
              OR (a.attempt_number = 2 AND a.outcome = 'no_answer')
           ORDER BY a.id LIMIT :follow_ups""",
    ]
    for statement in steps:
        started = time.perf_counter()
        connection.execute(text(statement), {**params, "follow_ups": follow_ups})
        print(f"  loaded {statement.split()[2]:<14} in {time.perf_counter() - started:6.1f} s", flush=True)
    return rounds


def without_constraints_and_indexes(connection) -> list[str]:
    """Drop the loaded tables' unique and foreign-key constraints and secondary indexes (a bulk
    load is many times faster without them); returns the statements that rebuild them."""
    constraints = connection.execute(text(
        "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid), contype FROM pg_constraint"
        " WHERE conrelid::regclass::text = ANY(:tables) AND contype IN ('u', 'f')"),
        {"tables": list(LOADED_TABLES)}).all()
    names = {name for name, *_ in constraints}
    indexes = [(name, definition) for name, definition in connection.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:tables)"),
        {"tables": list(LOADED_TABLES)}) if name not in names and not name.startswith("pk_")]
    for name, table, _, _ in sorted(constraints, key=lambda c: c[3] != "f"):  # foreign keys first
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    unique = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for n, t, d, kind in constraints if kind == "u"]
    foreign = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for n, t, d, kind in constraints if kind == "f"]
    return [*unique, *(definition for _, definition in indexes), *foreign]


def fill(url: str, tenants: int, attempts: int, follow_ups: int) -> tuple[int, date]:
    """Load the volume; returns the landlord and the month to measure (in the middle of the rounds)."""
    veille = bootstrap(Settings(DATABASE_URL=url))
    try:
        landlord, partner = people(veille)
    finally:
        veille.close()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(text("SET synchronous_commit = off"))
        definitions = without_constraints_and_indexes(connection)
        rounds = load(connection, landlord, partner, tenants, attempts, follow_ups)
        started = time.perf_counter()
        for definition in definitions:
            connection.execute(text(definition))
        print(f"  rebuilt {len(definitions)} constraints and indexes in "
              f"{time.perf_counter() - started:6.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        connection.execute(text("VACUUM ANALYZE"))
        print(f"  vacuumed and analysed in {time.perf_counter() - started:6.1f} s", flush=True)
        counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) for table in LOADED_TABLES}
    engine.dispose()
    print("  " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    middle = FIRST_ROUND + timedelta(weeks=rounds // 2)
    return landlord, middle.replace(day=1)


def rebuild_summary(url: str, landlord: int) -> None:
    """The summary from the facts (`veille figures rebuild`), timed: the load bypassed the services."""
    veille = bootstrap(Settings(DATABASE_URL=url))
    try:
        started = time.perf_counter()
        rebuilt = figure_counts.rebuild(veille, landlord)
        print(f"  summary rebuilt ({rebuilt.months} months, {rebuilt.rows:,} rows) in "
              f"{time.perf_counter() - started:6.1f} s", flush=True)
        with veille.engine.begin() as connection:  # as autovacuum would, soon after
            connection.execute(text("ANALYZE figure_counts, figure_enrolments"))
    finally:
        veille.close()


def sign_in(client) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/connexion", data={"email": "coord@banc.test", "password": PASSWORD,
                                               "csrf_token": token})
    assert response.status_code == 302, "sign-in refused"


def median_ms(client, path: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def explain(veille, client, path: str) -> None:
    """Each query of one request for `path`, with its planner cost and actual time."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "FROM users" not in statement[:400]:
            statements.append((statement, parameters))

    engine = veille.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        connection.execute(text(f"SET work_mem = '{WORK_MEM}'"))  # as the figures service does
        for statement, parameters in statements:
            cursor = connection.connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            top = plan[0]["Plan"]
            shape = " ".join(statement.split())[:70]
            if os.environ.get("VEILLE_BENCH_PLANS"):
                print(json.dumps(plan, indent=1))
            print(f"    cost {top['Total Cost']:>12,.0f}  actual {plan[0]['Execution Time']:8.1f} ms  "
                  f"{shape}...")


def from_facts_ms(veille, landlord: int, month: date, runs: int) -> float:
    """The month's figures counted from the facts (the summary bypassed), for comparison."""
    viewer = Viewer(0, Role.COORDINATOR, landlord, "landlord", (landlord,), (landlord,))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        compute(veille, viewer, month_period(f"{month:%Y-%m}"), from_facts=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, landlord: int, month: date, runs: int) -> None:
    from voice_app.web import create_app

    veille = bootstrap(Settings(DATABASE_URL=url))
    try:
        client = create_app(veille=veille).test_client()
        sign_in(client)
        pages = {f"/chiffres?mois={month:%Y-%m}": "the month, by week",
                 f"/chiffres?mois={month:%Y-%m}&par=site": "the month, by site",
                 f"/chiffres?mois={month:%Y-%m}&par=partenaire": "the month, by partner",
                 f"/chiffres/export.csv?mois={month:%Y-%m}": "the month's CSV"}
        for path, label in pages.items():
            print(f"  {label:<24} {median_ms(client, path, runs):7.1f} ms   {path}", flush=True)
        facts = from_facts_ms(veille, landlord, month, 3)
        print(f"  (the month counted from the facts instead: {facts:7.1f} ms, median of 3, service only)",
              flush=True)
        for path in (f"/chiffres?mois={month:%Y-%m}", f"/chiffres?mois={month:%Y-%m}&par=site"):
            print(f"  queries of {path}:")
            explain(veille, client, path)
    finally:
        veille.close()


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=10_000_000)
    parser.add_argument("--follow-ups", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=RUNS, help="requests per page (the median is shown)")
    args = parser.parse_args()
    with fresh_postgres(args.database_url, BENCH_DATABASE) as url:
        print(f"Figures, {args.attempts:,} attempts, {args.follow_ups:,} follow-ups, "
              f"{args.tenants:,} tenants (load average {os.getloadavg()[0]:.2f}):", flush=True)
        landlord, month = fill(url, args.tenants, args.attempts, args.follow_ups)
        rebuild_summary(url, landlord)
        print(f"Median of {args.runs} requests (load average {os.getloadavg()[0]:.2f}):", flush=True)
        measure(url, landlord, month, args.runs)


if __name__ == "__main__":
    main()
