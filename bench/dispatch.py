"""Benchmark: dispatch overhead per call, and the achieved rate against a configured one.

Two figures per backend (DESIGN §10: Veille must never be the provider's bottleneck):

1. Overhead: N due attempts, a no-op provider, no pacing. Time per call spent in Veille
   (claim, claim-time checks, commit, dial bookkeeping): elapsed / N. Then those calls end
   (four in five reach the tenant) and the figures' fold counts them: its time per 100 calls.
2. Rate: for each configured calls-per-second R, R x S due attempts dialled by the clock's
   dispatcher loop (`run_dispatcher`) with a no-op provider that notes when each call
   arrives; achieved rate = (calls - 1) / (last arrival - first arrival), target within 1 %.

    .venv/bin/python bench/dispatch.py
    .venv/bin/python bench/dispatch.py --backends sqlite --calls 2000 --seconds 5 --rates 10,50

PostgreSQL: a database of its own, created for the run beside --database-url's and dropped
at its end (bench/databases.py). SQLite: a file in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import case  # noqa: E402
from sqlalchemy import update  # noqa: E402

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from db.models import Base  # noqa: E402
from db.models import CallAttempt  # noqa: E402
from tests.multiprocess_helpers import ALWAYS_OPEN  # noqa: E402
from tests.multiprocess_helpers import UNPACED  # noqa: E402
from tests.multiprocess_helpers import seed_due_attempts  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.services import figure_counts  # noqa: E402
from voice_app.services.dispatch import dispatch_due_calls  # noqa: E402
from voice_app.services.dispatch import run_dispatcher  # noqa: E402

BENCH_DATABASE = "veille_bench_dispatch"
WORKER = "bench:1"


class NoopTelephony:
    """Accepts every call at once and notes when it arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []

    def place_call(self, call) -> str:
        self.arrivals.append(time.perf_counter())
        return f"CA{len(self.arrivals):032x}"

    def hang_up(self, provider_call_id: str) -> None:
        """No call exists."""

    def redirect(self, provider_call_id: str, url: str) -> None:
        """No call exists."""

    def send_sms(self, to_number: str, body: str) -> str:
        return "SM0"

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        return "in-progress"


def empty(veille) -> None:
    with veille.session_factory.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


def overhead(url: str, calls: int) -> None:
    telephony = NoopTelephony()
    veille = bootstrap(Settings(DATABASE_URL=url), telephony=telephony)
    empty(veille)
    seed_due_attempts(veille.session_factory, calls, now=veille.clock(), policy=UNPACED)
    started = time.perf_counter()
    while dispatch_due_calls(veille, veille.clock(), worker_id=WORKER, limit=200).claimed:
        pass
    elapsed = time.perf_counter() - started
    assert len(telephony.arrivals) == calls, "every attempt must be placed once"
    print(f"  overhead: {calls} calls in {elapsed:.2f} s = {1000 * elapsed / calls:.2f} ms per call "
          f"({calls / elapsed:,.0f} calls/s unpaced)")
    fold(veille, calls)
    veille.close()


def fold(veille, calls: int) -> None:
    """The calls end as their webhooks would leave them; the clock's fold counts them."""
    with veille.session_factory.begin() as session:
        session.execute(update(CallAttempt).values(
            state="ended", outcome=case((CallAttempt.id % 5 == 0, "no_key"), else_="ok")))
    started = time.perf_counter()
    folded = figure_counts.fold_pending(veille)
    elapsed = time.perf_counter() - started
    assert folded == calls, "every call ended must be counted once"
    print(f"  figures' fold: {calls} calls ended counted in {elapsed:.2f} s = "
          f"{100_000 * elapsed / calls:.1f} ms per 100 calls")


def achieved_rate(url: str, rate: int, seconds: float) -> None:
    telephony = NoopTelephony()
    veille = bootstrap(Settings(DATABASE_URL=url), telephony=telephony)
    empty(veille)
    calls = int(rate * seconds) + 1
    seed_due_attempts(veille.session_factory, calls, now=veille.clock(),
                      policy={"calls_per_second": rate, "max_concurrent_calls": 1_000_000, **ALWAYS_OPEN})
    stop = threading.Event()
    dispatcher = threading.Thread(target=run_dispatcher, args=(veille, stop), kwargs={"worker_id": WORKER})
    dispatcher.start()
    deadline = time.monotonic() + seconds * 3 + 30
    while len(telephony.arrivals) < calls and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    dispatcher.join()
    arrivals = telephony.arrivals
    span = arrivals[-1] - arrivals[0]
    achieved = (len(arrivals) - 1) / span
    print(f"  rate {rate:>3}/s: {len(arrivals)} calls over {span:.2f} s = {achieved:.2f} calls/s "
          f"({100 * (achieved - rate) / rate:+.2f} %)")
    veille.close()


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--calls", type=int, default=5000, help="calls for the overhead figure")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each rate run")
    parser.add_argument("--rates", default="10,50,100")
    args = parser.parse_args()
    rates = [int(rate) for rate in args.rates.split(",")]
    print(f"load average: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        with bench_database(backend, args.database_url, BENCH_DATABASE) as url:
            print(f"{backend}:")
            overhead(url, args.calls)
            for rate in rates:
                achieved_rate(url, rate, args.seconds)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
