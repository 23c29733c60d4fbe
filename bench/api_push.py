"""Benchmark: push tenants through the JSON API (`POST /api/v1/tenants`) on SQLite and PostgreSQL.

Prints the time of one call of --tenants tenants (default 10,000, the most a call takes), through
the whole web stack (bearer token, rate limit, the tenant file's checks, the bulk write, the
audit): first push (all created), the same again (all unchanged), and the same with one invalid
tenant (refused whole, 422). Run: `.venv/bin/python bench/api_push.py [--tenants N]
[--backends sqlite,postgresql]`. PostgreSQL: a database of its own, created for the run beside
--database-url's and dropped at its end (bench/databases.py).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.domain.api_tokens import Scope  # noqa: E402
from voice_app.services.api_tokens import create_token  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402
from voice_app.web import create_app  # noqa: E402

BENCH_DATABASE = "veille_bench_api"


def tenants(count: int) -> list[dict]:
    """Fictitious tenants (numbers in the 01 99 range reserved for fiction)."""
    return [{"reference": f"API-{n:06d}", "civility": "Mme", "last_name": "Martin", "first_name": "Jeanne",
             "birth_year": 1930 + n % 50, "household": ("seule", "couple")[n % 2],
             "phone": f"01 99 {n // 10_000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}",
             "site": f"Résidence {n % 400}", "language": "fr", "preferred_half_day": "matin"}
            for n in range(count)]


def run(url: str, count: int) -> list[tuple[str, float, str]]:
    veille = bootstrap(Settings(DATABASE_URL=url))
    try:
        organisation = ensure_organisation(veille.session_factory, "Bailleur du banc d’essai")
        _, secret = create_token(veille, organisation.id, Scope.WRITE, "banc", actor=None)
        app = create_app({"TESTING": True, "API_RATE_LIMIT": "1000 per minute"}, veille=veille)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        items = tenants(count)
        bad = [dict(item) for item in items]
        bad[count // 2]["phone"] = "06 12"
        results = []
        for label, body in (("first push", items), ("same again", items), ("one invalid", bad)):
            started = time.perf_counter()
            answer = client.post("/api/v1/tenants", json={"tenants": body}, headers=headers)
            seconds = time.perf_counter() - started
            summary = answer.json
            details = (f"status {answer.status_code}, created {summary.get('created')}, "
                       f"unchanged {summary.get('unchanged')}, errors {len(summary.get('errors') or [])}")
            results.append((label, seconds, details))
        return results
    finally:
        veille.close()


def main(argv: list[str] | None = None) -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    print(f"{args.tenants:,} tenants per call; cpus: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")
    for backend in args.backends.split(","):
        with bench_database(backend, args.database_url, BENCH_DATABASE) as url:
            for label, seconds, details in run(url, args.tenants):
                rate = args.tenants / seconds
                print(f"{backend:<10} {label:<12} {seconds:6.2f} s  {rate:9,.0f} tenants/s  ({details})")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
