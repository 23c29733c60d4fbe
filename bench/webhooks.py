"""Benchmark: signed Twilio webhook traffic against the web process served by gunicorn.

For each backend (SQLite in a temporary file, PostgreSQL in its own database), N tenants and
N dialled attempts are seeded, gunicorn serves `voice_app.web:create_app()` with 2 workers on
127.0.0.1, and a load generator (threads, keep-alive sessions) plays each call as Twilio
would: status initiated, ringing, the answer webhook, status in-progress, the AMD verdict,
the menu gather with Digits=1, status completed. Every request is signed and writes to the
database. Prints requests/s and p50/p99 latency per backend.

Run: `.venv/bin/python bench/webhooks.py [--calls 400] [--threads 8] [--seconds 60]
[--backends sqlite,postgresql]`. Load goes to 127.0.0.1 only, bounded by --calls and
--seconds. PostgreSQL: a database of its own, created for the run beside --database-url's and dropped at
its end (bench/databases.py).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import requests
from sqlalchemy import func
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from db import migrate  # noqa: E402
from db.models import CallAttempt  # noqa: E402
from db.models import Tenant  # noqa: E402
from voice_app.bootstrap import Veille  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402
from voice_app.services.organisations import ensure_organisation  # noqa: E402
from voice_app.telephony.simulation.webhooks import WebhookClient  # noqa: E402
from voice_app.telephony.urls import absolute  # noqa: E402
from voice_app.telephony.urls import call_path  # noqa: E402
from voice_app.telephony.urls import gather_path  # noqa: E402

BENCH_DATABASE = "veille_bench_webhooks"
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "b" * 32
SERVICE_NUMBER = "+33180000000"
REQUESTS_PER_CALL = 7


@dataclass(frozen=True)
class SeededCall:
    token: str
    call_sid: str
    to_number: str


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    calls: int = 0
    seconds: float = 0.0

    def line(self, label: str) -> str:
        if not self.latencies:
            return f"{label:<11} no request completed"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (f"{label:<11} {len(ordered):>6} requests  {self.calls:>5} calls  {self.errors:>3} errors  "
                f"{len(ordered) / self.seconds:>7.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")


def seed_calls(veille: Veille, count: int) -> list[SeededCall]:
    """N tenants, each with an attempt the provider has just accepted (state queued)."""
    organisation = ensure_organisation(veille.session_factory, "Bailleur Bench")
    calls = [SeededCall(secrets.token_urlsafe(32), "CA" + secrets.token_hex(16), f"+3361{index:07d}")
             for index in range(count)]
    now = veille.clock()
    with veille.session_factory.begin() as session:
        tenants = [Tenant(organisation_id=organisation.id, reference=f"B-{index:06d}", last_name="Banc",
                          household="alone", phone=call.to_number) for index, call in enumerate(calls)]
        session.add_all(tenants)
        session.flush()
        session.add_all(CallAttempt(token=call.token, organisation_id=organisation.id, tenant_id=tenant.id,
                                    purpose="test", state="queued", due_at=now, claimed_at=now,
                                    dialled_at=now, provider_call_id=call.call_sid, to_number=call.to_number)
                        for call, tenant in zip(calls, tenants, strict=True))
    return calls


def call_requests(base_url: str, call: SeededCall) -> list[tuple[str, dict[str, str]]]:
    """The webhooks of one answered call where the tenant presses 1, in Twilio's order."""
    common = {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "From": SERVICE_NUMBER,
              "To": call.to_number, "Direction": "outbound-api", "ApiVersion": "2010-04-01"}
    status_url = absolute(base_url, call_path(call.token, "status"))

    def status(value: str, sequence: int) -> tuple[str, dict[str, str]]:
        return status_url, {**common, "CallStatus": value, "CallbackSource": "call-progress-events",
                            "SequenceNumber": str(sequence), "CallDuration": "30"}

    return [
        status("initiated", 0), status("ringing", 1),
        (absolute(base_url, call_path(call.token, "answer")), {**common, "CallStatus": "in-progress"}),
        status("in-progress", 2),
        (absolute(base_url, call_path(call.token, "amd")),
         {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "AnsweredBy": "human",
          "MachineDetectionDuration": "2100"}),
        (absolute(base_url, gather_path(call.token, "menu", 1)),
         {**common, "CallStatus": "in-progress", "Digits": "1"}),
        status("completed", 3),
    ]


def drive(base_url: str, calls: list[SeededCall], threads: int, max_seconds: float,
          auth_token: str = AUTH_TOKEN) -> Figures:
    """Play the calls from `threads` keep-alive clients until done or `max_seconds` passed."""
    figures = Figures()
    lock = threading.Lock()
    pending = iter(calls)
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        client = WebhookClient(base_url, auth_token)
        try:
            while time.monotonic() < deadline:
                with lock:
                    call = next(pending, None)
                if call is None:
                    return
                for url, params in call_requests(base_url, call):
                    started = time.perf_counter()
                    answer = client.send(url, params)
                    elapsed = time.perf_counter() - started
                    with lock:
                        figures.latencies.append(elapsed)
                        figures.errors += 0 if answer.ok else 1
                with lock:
                    figures.calls += 1
        finally:
            client.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, name=f"load-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    figures.seconds = time.monotonic() - started
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "LOG_LEVEL": "WARNING",
           "TELEPHONY_PROVIDER": "simulator"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "voice_app.web:create_app()"],
        env=env, cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def run_backend(database_url: str, args: argparse.Namespace) -> tuple[Figures, int]:
    migrate.upgrade(database_url)
    veille = bootstrap(Settings(DATABASE_URL=database_url, TWILIO_AUTH_TOKEN=AUTH_TOKEN))
    try:
        calls = seed_calls(veille, args.calls)
        port = free_port()
        server = serve(database_url, port, args.workers)
        try:
            figures = drive(f"http://127.0.0.1:{port}", calls, args.threads, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        with veille.session_factory.begin() as session:
            ended_ok = session.scalar(select(func.count(CallAttempt.id)).where(
                CallAttempt.state == "ended", CallAttempt.outcome == "ok"))
        return figures, ended_ok
    finally:
        veille.close()


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0, help="upper bound per backend")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"{args.calls} calls x {REQUESTS_PER_CALL} signed webhooks, {args.threads} client threads, "
          f"gunicorn {args.workers} workers, 127.0.0.1")
    print(f"load average: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        with bench_database(backend, args.database_url, BENCH_DATABASE) as url:
            figures, ended_ok = run_backend(url, args)
        print(figures.line(backend) + f"  ({ended_ok} attempts ended ok)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
