"""Benchmark: import a generated 100,000-row tenant file on SQLite and PostgreSQL.

Prints seconds and rows/s for a first import (every tenant created), a re-import of the same
file (every tenant unchanged) and a re-import where every tenant changed (every tenant
updated); then the time to list the eligible tenants and to enrol them all.
Run: `.venv/bin/python bench/import_tenants.py [--rows N] [--backends sqlite,postgresql]`.
PostgreSQL: a database of its own, created for the run beside --database-url's and dropped
at its end (bench/databases.py).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from db import migrate  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.services.enrolment import eligible_tenants  # noqa: E402
from voice_app.services.enrolment import enrol_eligible  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402
from voice_app.services.tenant_import import import_tenants  # noqa: E402

BENCH_DATABASE = "veille_bench_import"
HEADER = ("Référence;Civilité;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;"
          "Téléphone 2;Langue;Site;Gardien;Année de naissance du conjoint;Demi-journée préférée;Suivi manuel")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux")
FIRST_NAMES = ("Jeanne", "Marie", "Louise", "Odette", "Simone", "Yvette", "André", "Marcel", "Henri",
               "Lucien", "Paul", "Gisèle", "Denise", "Raymond", "Germaine", "René", "Suzanne", "Roger")
FICTION_LANDLINES = ("01 99 00", "02 61 91", "03 53 01", "04 65 71", "05 36 49")  # ARCEP: for fiction
HOUSEHOLDS = ("seul", "seule", "couple", "autre")
TODAY = date(2026, 11, 24)


def tenant_line(index: int, rng: random.Random, site_suffix: str = "") -> str:
    household = rng.choice(HOUSEHOLDS)
    mobile = f"06 {rng.randrange(10, 39)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} " \
             f"{rng.randrange(10, 100)}"
    landline = f"{rng.choice(FICTION_LANDLINES)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
    phone, phone2 = (mobile, landline) if index % 3 else (landline, "")  # 0639, 069x: overseas
    partner = str(rng.randrange(1930, 1965)) if household == "couple" and index % 2 else ""
    return ";".join((
        f"BX-{index:06d}", rng.choice(("M.", "Mme")), rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES),
        str(rng.randrange(1925, 1990)), household, phone, phone2, "fr",
        f"Résidence {index % 400}{site_suffix}", "Gardien " + rng.choice(LAST_NAMES), partner,
        rng.choice(("matin", "après-midi", "")), rng.choice(("non", "non", "non", "oui"))))


def write_file(path: Path, rows: int, site_suffix: str = "") -> Path:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER + "\r\n")
        for index in range(1, rows + 1):
            stream.write(tenant_line(index, rng, site_suffix) + "\r\n")
    return path


def run(database_url: str, original: Path, changed: Path, rows: int) -> list[tuple[str, float, str]]:
    """Migrate, then time the three imports; returns (label, seconds, details) per import.
    The importer's own CPU time is printed too: on a loaded machine it shows how much of the
    elapsed time was spent waiting for a core."""
    migrate.upgrade(database_url)
    veille = bootstrap(Settings(DATABASE_URL=database_url), clock=lambda: datetime.now(UTC))
    ensure_organisation(veille.session_factory, "Bailleur Bench")
    results = []
    try:
        for label, path in (("first import", original), ("re-import, unchanged", original),
                            ("re-import, all changed", changed)):
            started, cpu_started = time.perf_counter(), time.process_time()
            report = import_tenants(veille, path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            counts = f"created={report.created} updated={report.updated} unchanged={report.unchanged}"
            assert report.created + report.updated + report.unchanged == rows, counts
            results.append((label, seconds, f"{counts}; importer CPU {cpu:.2f} s"))
        results += _enrolment(veille)
    finally:
        veille.close()
    return results


def _enrolment(veille) -> list[tuple[str, float, str]]:
    """Time listing the eligible tenants, then enrolling them all (the step after an import)."""
    results = []
    for label, step in (("eligible listing", lambda: eligible_tenants(veille, TODAY).eligible),
                        ("enrol all eligible", lambda: enrol_eligible(veille, today=TODAY))):
        started = time.perf_counter()
        count = len(step())
        results.append((label, time.perf_counter() - started, f"tenants={count}"))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        original = write_file(directory / "tenants.csv", args.rows)
        changed = write_file(directory / "tenants-changed.csv", args.rows, site_suffix=" bis")
        size_mb = original.stat().st_size / 1024 / 1024
        print(f"file: {args.rows} rows, {size_mb:.1f} MB; cpus: {os.cpu_count()}; "
              f"load average: {os.getloadavg()[0]:.1f}")
        for backend in args.backends.split(","):
            with bench_database(backend, args.database_url, BENCH_DATABASE) as url:
                for label, seconds, details in run(url, original, changed, args.rows):
                    rate = f"{args.rows / seconds:9,.0f} rows/s" if "import" in label else " " * 16
                    print(f"{backend:<10} {label:<24} {seconds:6.2f} s  {rate}  ({details})")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
