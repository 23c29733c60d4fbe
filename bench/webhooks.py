"""Benchmark: Veille's Twilio webhooks side by side with a minimal Flask IVR (bench/webhook/reference_ivr.py).

Every server is gunicorn with sync workers on 127.0.0.1, started the same way: the reference with 2
workers and with 1 (no database), Veille on SQLite with 1 and with 2 workers (one WAL file), Veille
on PostgreSQL with 2 workers. The client runs on the same CPUs: the reference's own 2 workers / 1
worker is what this machine allows a second worker to add, the ceiling of SQLite's; the client's CPU
per key press is printed round by round. Each request is a distinct call waiting at the menu: the
key press "1" (all well: the call's outcome is stored and it hangs up), then its final status
callback `completed`. Requests are built and signed before the clock starts and replayed over raw
sockets (bench/webhook/load.py). The servers take turns, 3 rounds: concurrency 1 (p50/p90 latency),
then concurrency 16 (throughput) for key presses and for status callbacks. CPU is the user+system
time of the server processes (gunicorn master and workers, /proc) per request; PostgreSQL's own
backends are not counted. "busy" is how many of the machine's CPUs were busy during the key presses
(every process and the kernel's network work, /proc/stat; time the hypervisor stole is printed
apart): when a server with 2 workers keeps the machine as busy as the reference with 2 does, its
second worker is bounded by the machine, not by the server. SQL statements per webhook are counted
in-process with an event listener on the engine (BEGIN excluded). Ratios to the reference, measured
in the same round, are the stable figures; absolute ones move with the machine's load. At the end,
whole calls (bench/webhook/whole_calls.py) check every Veille server end to end.

Run: `.venv/bin/python bench/webhooks.py [--rounds 3] [--presses 1000] [--latency-presses 200]
[--targets reference,reference-1,sqlite-1,sqlite-2,postgresql-2]`. PostgreSQL: a database of
its own, created for the run beside --database-url's and dropped at its end (bench/databases.py).
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import fresh_postgres  # noqa: E402
from bench.databases import fresh_sqlite  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from bench.webhook.calls import AUTH_TOKEN  # noqa: E402
from bench.webhook.calls import count_all_well  # noqa: E402
from bench.webhook.calls import press_params  # noqa: E402
from bench.webhook.calls import seed_waiting_calls  # noqa: E402
from bench.webhook.calls import status_params  # noqa: E402
from bench.webhook.calls import veille_for  # noqa: E402
from bench.webhook.load import Phase  # noqa: E402
from bench.webhook.load import Server  # noqa: E402
from bench.webhook.load import over_the_reference  # noqa: E402
from bench.webhook.load import replay  # noqa: E402
from bench.webhook.load import signed_request  # noqa: E402
from bench.webhook.whole_calls import REQUESTS_PER_CALL  # noqa: E402
from bench.webhook.whole_calls import Figures  # noqa: E402
from bench.webhook.whole_calls import drive  # noqa: E402
from bench.webhook.whole_calls import seed_calls  # noqa: E402
from voice_app.domain.webhook_urls import call_path  # noqa: E402
from voice_app.domain.webhook_urls import gather_path  # noqa: E402
from voice_app.web import create_app  # noqa: E402

__all__ = ["REQUESTS_PER_CALL", "Figures", "drive", "main", "seed_calls"]

BENCH_DATABASE = "veille_bench_webhooks"
WHOLE_CALLS = 50  # played at the end on each Veille server: the end-to-end check
REFERENCE = "reference"
STATEMENT_CALLS = 6  # the first warms the process up and is not counted
SERVER_ENV = {"TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "b" * 32, "LOG_LEVEL": "WARNING",
              "TELEPHONY_PROVIDER": "simulator"}


class Target:
    """One server under test, with the calls it still has to play."""

    def __init__(self, name: str, database_url: str | None, calls: list):
        self.name, self.database_url, self.calls = name, database_url, calls
        workers = name.rsplit("-", 1)[1] if "-" in name else "2"
        if database_url is None:
            self.server = Server("bench.webhook.reference_ivr:create_app()", int(workers), SERVER_ENV)
        else:
            self.server = Server("voice_app.web:create_app()", int(workers),
                                 {**SERVER_ENV, "DATABASE_URL": database_url})
        self.rounds: list[dict[str, Phase]] = []

    def take(self, count: int) -> list:
        taken, self.calls = self.calls[:count], self.calls[count:]
        return taken

    def presses(self, calls: list) -> list[bytes]:
        return [signed_request(self.server.base_url + gather_path(call.token, "menu", 1), press_params(call),
                               AUTH_TOKEN) for call in calls]

    def statuses(self, calls: list) -> list[bytes]:
        return [signed_request(self.server.base_url + call_path(call.token, "status"), status_params(call),
                               AUTH_TOKEN) for call in calls]

    def play_round(self, latency_presses: int, presses: int, concurrency: int) -> dict[str, Phase]:
        slow, fast = self.take(latency_presses), self.take(presses)
        phases = {"latency": replay(self.server, self.presses(slow), 1, b"Hangup"),
                  "presses": replay(self.server, self.presses(fast), concurrency, b"Hangup"),
                  "statuses": replay(self.server, self.statuses(fast), concurrency)}
        self.rounds.append(phases)
        return phases


def statements_per_webhook(database_url: str, calls: list) -> tuple[float, float]:
    """SQL statements of one key press and of one status callback, in-process (after a warm-up)."""
    veille = veille_for(database_url, "http://127.0.0.1:9")
    client = create_app(veille=veille).test_client()
    counted: list[str] = []
    event.listen(veille.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: counted.append(statement))
    presses, statuses = [], []
    for index, call in enumerate(calls):
        for kind, path, params, figures in (
                ("press", gather_path(call.token, "menu", 1), press_params(call), presses),
                ("status", call_path(call.token, "status"), status_params(call), statuses)):
            counted.clear()
            request = signed_request("http://127.0.0.1:9" + path, params, AUTH_TOKEN)
            head, body = request.split(b"\r\n\r\n", 1)
            signature = [line for line in head.split(b"\r\n") if line.startswith(b"X-Twilio-Signature")]
            answer = client.post(path, data=body, content_type="application/x-www-form-urlencoded",
                                 headers={"X-Twilio-Signature": signature[0].split(b": ", 1)[1].decode()})
            assert answer.status_code == 200, (kind, answer.status_code)
            if index:  # the first call warms the process's caches
                figures.append(sum(not s.lstrip().upper().startswith("BEGIN") for s in counted))
    veille.close()
    return statistics.mean(presses), statistics.mean(statuses)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


COLUMNS = (("press req/s", 11), ("x ref", 6), ("CPU ms", 7), ("x ref", 6), ("busy", 5), ("p50 ms", 7),
           ("p90 ms", 7), ("status req/s", 12), ("CPU ms", 7), ("x ref", 6), ("SQL/press", 9),
           ("SQL/status", 10))


def round_line(name: str, number: int, phases: dict[str, Phase]) -> str:
    latency, presses, statuses = phases["latency"], phases["presses"], phases["statuses"]
    errors = latency.errors + presses.errors + statuses.errors
    return (f"  {name:<13} round {number}  c1 p50 {latency.p50:5.1f} ms p90 {latency.percentile(0.9):5.1f} ms"
            f" | c16 press {presses.throughput:6.1f} req/s {presses.cpu_ms_per_request:5.2f} CPU ms"
            f" (client {1000 * presses.client_cpu_seconds / max(len(presses.latencies), 1):4.2f})"
            f" {presses.busy_cpus:4.2f} CPUs busy{stolen(presses)}"
            f" | status {statuses.throughput:6.1f} req/s {statuses.cpu_ms_per_request:5.2f} CPU ms"
            f" | {errors} errors")


def stolen(phase: Phase) -> str:
    """The hypervisor's share, when it took any: the CPUs this machine was promised but not given."""
    share = phase.machine_stolen_seconds / phase.seconds if phase.seconds else 0.0
    return f" ({share:.2f} stolen)" if share >= 0.01 else ""


def summary_cells(target: Target, reference: Target | None, sql: tuple[float, float] | None) -> list[str]:
    def med(phase: str, measure) -> float:
        return median([measure(r[phase]) for r in target.rounds])

    def ratio(phase: str, measure) -> float:
        if reference is None:
            return 0.0
        pairs = zip(target.rounds, reference.rounds, strict=False)
        return median([measure(mine[phase]) / max(measure(ref[phase]), 1e-9) for mine, ref in pairs])

    def throughput(phase: Phase) -> float:
        return phase.throughput

    def cpu(phase: Phase) -> float:
        return phase.cpu_ms_per_request

    values = [med("presses", throughput), ratio("presses", throughput),
              med("presses", cpu), ratio("presses", cpu), med("presses", lambda p: p.busy_cpus),
              med("latency", lambda p: p.p50), med("latency", lambda p: p.percentile(0.9)),
              med("statuses", throughput), med("statuses", cpu), ratio("statuses", cpu)]
    cells = [f"{value:.2f}" for value in values]
    return cells + ([f"{sql[0]:.1f}", f"{sql[1]:.1f}"] if sql else ["-", "-"])


def report(targets: list[Target], statements: dict[str, tuple[float, float]]) -> None:
    reference = next((t for t in targets if t.name == REFERENCE), None)
    print("\nround by round (absolute):")
    for target in targets:
        for number, phases in enumerate(target.rounds, 1):
            print(round_line(target.name, number, phases))
    print("\nmedians of the rounds (ratios: to the reference in the same round):")
    print(f"  {'server':<13}" + "".join(f" {title:>{width}}" for title, width in COLUMNS))
    for target in targets:
        cells = summary_cells(target, reference, statements.get(target.name))
        print(f"  {target.name:<13}" + "".join(f" {cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS,
                                                                                              strict=True)))
    by_name = {t.name: t for t in targets}
    print()
    scalings = {}
    for two, one, title in (("sqlite-2", "sqlite-1", "SQLite"), (REFERENCE, "reference-1", "the reference")):
        if two in by_name and one in by_name:
            scalings[title] = second_worker(by_name[two], by_name[one])
            print(f"{title}, 2 workers / 1 worker, key presses per second: {median(scalings[title]):.2f}x")
    if len(scalings) == 2:
        print(f"SQLite's 2 workers / 1 over the reference's, round by round: "
              f"{over_the_reference(scalings['SQLite'], scalings['the reference'])}")


def second_worker(two: Target, one: Target) -> list[float]:
    """Key presses per second of 2 workers over 1 worker's, round by round."""
    return [a["presses"].throughput / b["presses"].throughput
            for a, b in zip(two.rounds, one.rounds, strict=True)]


def whole_calls(targets: list[Target]) -> None:
    """Play whole calls (7 webhooks each) on each Veille server: every one must end "all well"."""
    print(f"\nend-to-end check: {WHOLE_CALLS} whole calls ({REQUESTS_PER_CALL} webhooks each) a server")
    for target in targets:
        if target.database_url is None:
            continue
        veille = veille_for(target.database_url)
        try:
            calls = seed_calls(veille, WHOLE_CALLS, prefix=f"{target.name}-whole")
        finally:
            veille.close()
        print("  " + drive(target.server.base_url, calls, threads=4, max_seconds=60).line(target.name))


def main() -> None:
    # Stopped by a signal, the servers and the database the run created are removed all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = parser_for(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=1000, help="at concurrency 16")
    parser.add_argument("--latency-presses", type=int, default=200, help="at concurrency 1")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--targets", default="reference,reference-1,sqlite-1,sqlite-2,postgresql-2")
    args = parser.parse_args()
    names = args.targets.split(",")
    per_target = args.rounds * (args.presses + args.latency_presses)
    print(f"{args.rounds} rounds; a round, for each server: {args.latency_presses} key presses at "
          f"concurrency 1, {args.presses} key presses then {args.presses} status callbacks at "
          f"concurrency {args.concurrency}")
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        if any(name.startswith("sqlite") for name in names):
            urls["sqlite"] = fresh_sqlite(stack.enter_context(tempfile.TemporaryDirectory()))
        if any(name.startswith("postgresql") for name in names):
            urls["postgresql"] = stack.enter_context(fresh_postgres(args.database_url, BENCH_DATABASE))
        statements: dict[str, tuple[float, float]] = {}
        for backend, url in urls.items():
            pair = statements_per_webhook(url, seed_waiting_calls(url, STATEMENT_CALLS, prefix="statements"))
            statements.update({name: pair for name in names if name.startswith(backend)})
        targets = []
        for name in names:
            url = urls.get(name.split("-")[0]) if name != REFERENCE else None
            target = Target(name, url, seed_waiting_calls(url, per_target, prefix=name))
            stack.callback(target.server.stop)
            targets.append(target)
        for number in range(1, args.rounds + 1):
            for target in targets:
                target.play_round(args.latency_presses, args.presses, args.concurrency)
            print(f"round {number} done, load average {os.getloadavg()[0]:.2f}")
        report(targets, statements)
        whole_calls(targets)
        for backend, url in urls.items():
            servers = sum(name.startswith(backend) for name in names)
            expected = STATEMENT_CALLS + (per_target + WHOLE_CALLS) * servers
            print(f"{backend}: {count_all_well(url)} calls with the outcome 'all well' "
                  f"({expected} calls pressed 1)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
