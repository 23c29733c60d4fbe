"""Benchmark: what a second worker adds to Veille's key-press webhook on SQLite, without HTTP.

bench/webhooks.py measures through gunicorn with its client on the same 2 CPUs: there, the
second worker also shares the CPUs with the client and the servers' own work. Here each process
replays pre-signed key presses (the menu's "1", each a distinct call waiting at the menu)
straight into Veille's WSGI application, with no server and no client, one process then two at
once on the same SQLite file; every process starts at the same instant and works through its
own calls. Prints key presses per second with 1 process and with 2 (all their presses over the
time from the start to the last one's end), the ratio, and the CPU per key press of each
process, round by round. Each round first runs the same way the reference IVR
(bench/webhook/reference_ivr.py, no database): what a second process gives any application on
this machine, against which SQLite's own ratio is read.

SQLite only: that is where workers share a file and its write lock. (On PostgreSQL one process
alone waits for its server at every statement, and on this 2-CPU virtual machine that ping-pong
made one process's figures swing by 2x from run to run; bench/webhooks.py measures PostgreSQL
with 16 connections at once.)

Run: `.venv/bin/python bench/webhook_workers.py [--presses 5000] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import fresh_sqlite  # noqa: E402
from bench.webhook.calls import AUTH_TOKEN  # noqa: E402
from bench.webhook.calls import press_params  # noqa: E402
from bench.webhook.calls import seed_waiting_calls  # noqa: E402
from bench.webhook.calls import veille_for  # noqa: E402
from bench.webhook.load import over_the_reference  # noqa: E402
from bench.webhook.load import signed_request  # noqa: E402
from voice_app.domain.webhook_urls import gather_path  # noqa: E402

BASE_URL = "http://127.0.0.1:9"  # the public URL the requests are signed for
WARM_UP = 200  # presses each process answers before the start, not counted
START_DELAY_SECONDS = 15  # every process imported, its requests signed and warmed up before the start


def wsgi_environ(request: bytes) -> dict:
    """The WSGI environ of one raw HTTP request, as gunicorn would pass it."""
    head, body = request.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": target, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "9", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
               "wsgi.run_once": False}
    for line in lines[1:]:
        name, value = line.split(": ", 1)
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def answered(status: str, _headers, _exc_info=None) -> None:
    if not status.startswith("200"):
        raise RuntimeError(f"a key press was answered {status}")


def application(url: str | None):
    """Veille on the SQLite file `url`, or the reference IVR (bench/webhook/reference_ivr.py,
    no database) when `url` is None."""
    if url is None:
        os.environ.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=BASE_URL)
        from bench.webhook.reference_ivr import create_app as create_reference

        return create_reference()
    from voice_app.web import create_app

    return create_app(veille=veille_for(url, BASE_URL))


def worker(url: str | None, calls: list, start_at: float, results) -> None:
    app = application(url)
    environs = [wsgi_environ(signed_request(BASE_URL + gather_path(call.token, "menu", 1), press_params(call),
                                            AUTH_TOKEN)) for call in calls]
    for environ in environs[:WARM_UP]:
        b"".join(app(environ, answered))
    if time.time() > start_at:
        raise RuntimeError("not ready at the start: raise START_DELAY_SECONDS")
    time.sleep(start_at - time.time())
    cpu = time.process_time()
    for environ in environs[WARM_UP:]:
        b"".join(app(environ, answered))
    counted = len(environs) - WARM_UP
    results.put((counted, time.time(), 1000 * (time.process_time() - cpu) / counted))


def run(url: str | None, processes: int, presses: int, prefix: str) -> tuple[float, list[float]]:
    """Key presses per second of `processes` at once (all their presses over the time from the
    start to the last one's end), and each one's CPU ms per press; `url` None: the reference."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    batches = [seed_waiting_calls(url, presses + WARM_UP, prefix=f"{prefix}-{n}") for n in range(processes)]
    start_at = time.time() + START_DELAY_SECONDS
    workers = [context.Process(target=worker, args=(url, calls, start_at, results)) for calls in batches]
    for process in workers:
        process.start()
    figures = [results.get(timeout=600) for _ in workers]
    for process in workers:
        process.join()
    last_end = max(end for _, end, _ in figures)
    return sum(counted for counted, _, _ in figures) / (last_end - start_at), [cpu for _, _, cpu in figures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=(
        "SQLite only: a file in a temporary folder, removed at the end; no database server is used."))
    parser.add_argument("--presses", type=int, default=5000, help="per process and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.rounds} rounds of {args.presses} key presses per process, {os.cpu_count()} CPUs, "
          f"load average at the start {os.getloadavg()[0]:.2f}")
    ratios: dict[str, list[float]] = {"reference": [], "SQLite": []}
    with tempfile.TemporaryDirectory() as folder:
        url = fresh_sqlite(folder)
        for number in range(1, args.rounds + 1):
            for name, app_url in (("reference", None), ("SQLite", url)):
                one, (cpu,) = run(app_url, 1, args.presses, f"r{number}-one")
                two, cpus = run(app_url, 2, args.presses, f"r{number}-two")
                ratios[name].append(two / one)
                each = " and ".join(f"{c:.2f}" for c in cpus)
                print(f"  round {number}  {name:<9}  1 process {one:6.0f}/s ({cpu:.2f} CPU ms)"
                      f"   2 processes {two:6.0f}/s ({each} CPU ms)   {two / one:.2f}x")
    medians = {name: statistics.median(values) for name, values in ratios.items()}
    print(f"2 processes / 1, median of the rounds: the reference {medians['reference']:.2f}x, "
          f"SQLite {medians['SQLite']:.2f}x")
    print(f"SQLite's 2 / 1 over the reference's, round by round: "
          f"{over_the_reference(ratios['SQLite'], ratios['reference'])}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
