"""Benchmark: the tenants pages with 100,000 tenants (issue: under 200 ms a page).

    .venv/bin/python bench/tenant_pages.py                   # PostgreSQL and SQLite, 100,000 tenants
    .venv/bin/python bench/tenant_pages.py --tenants 20000 --backends sqlite
    .venv/bin/python bench/tenant_pages.py --database-url postgresql+psycopg://127.0.0.1/some_db

Each figure is the median of 20 requests of a signed-in coordinator through the whole web
stack (Flask test client: routing, sign-in check, query, template): the first page, a page
deep in the list (keyset: "after reference X"), a search by name prefix, a search by
reference, and a site filter. PostgreSQL: a database of its own, created for the run beside
--database-url's and dropped at its end (bench/databases.py). SQLite: a file in a temporary
folder.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from db import migrate  # noqa: E402
from db.models import Tenant  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.services.accounts import NewUser  # noqa: E402
from voice_app.services.accounts import create_user  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402

PASSWORD = "mot de passe du banc"
SITES = [f"Résidence {n:03d}" for n in range(200)]
NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau")
RUNS = 20


def fill(veille, count: int) -> None:
    organisation = ensure_organisation(veille.session_factory, "Bailleur Banc")
    create_user(
        veille,
        NewUser(email="coord@banc.test", role="coordinator", name="Coord", organisation_id=organisation.id),
        password=PASSWORD,
    )
    rows = [
        {
            "organisation_id": organisation.id,
            "reference": f"B-{n:07d}",
            "last_name": NAMES[n % 10] + str(n % 97),
            "first_name": "Jeanne",
            "household": "alone",
            "birth_year": 1930 + n % 30,
            "phone": f"+336{n:08d}",
            "site": SITES[n % len(SITES)],
            "language": "fr",
        }
        for n in range(count)
    ]
    with veille.session_factory.begin() as session:
        for start in range(0, count, 5000):
            session.execute(insert(Tenant), rows[start : start + 5000])


def sign_in(client) -> None:
    import re

    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/connexion", data={"email": "coord@banc.test", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, "sign-in refused"


def median_ms(client, path: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def measure(url: str, count: int) -> dict[str, float]:
    from voice_app.web import create_app

    migrate.upgrade(url)
    veille = bootstrap(Settings(DATABASE_URL=url))
    try:
        fill(veille, count)
        client = create_app(veille=veille).test_client()
        sign_in(client)
        deep = f"B-{count * 9 // 10:07d}"
        return {
            "first page": median_ms(client, "/locataires"),
            "a page at 90 % (keyset)": median_ms(client, f"/locataires?apres={deep}"),
            "search a name prefix": median_ms(client, "/locataires?q=durand4"),
            "search a reference": median_ms(client, f"/locataires?q={deep}"),
            "one site": median_ms(client, "/locataires?site=R%C3%A9sidence%20042"),
        }
    finally:
        veille.close()


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    print(
        f"Tenants pages, {args.tenants:,} tenants, median of {RUNS} requests (load average "
        f"{os.getloadavg()[0]:.2f}):"
    )
    for backend in args.backends.split(","):
        with bench_database(backend, args.database_url, "veille_bench_tenant_pages") as url:
            for name, ms in measure(url, args.tenants).items():
                print(f"  {backend:<10} {name:<26} {ms:7.1f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
