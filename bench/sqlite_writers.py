"""Benchmark: processes writing one SQLite file the way webhooks do, waiting for the write lock
with SQLite's own busy handler, then with Veille's engine (db/engine.py).

Each process loops: a read outside any transaction, about 0.8 ms of CPU (the rest of a webhook:
the request, the decision, the TwiML), then a short write transaction (BEGIN IMMEDIATE, an
insert, an update, COMMIT). Every process starts at once and runs for the same time; the
figure is write transactions per second, with 1 process and with 2, and the ratio: on 2 CPUs
with nothing else running, 2 processes that never waited for each other would give 2x. The
work is counted in CPU time of the process, so a CPU slowed by its neighbour (two virtual CPUs
on one core) does not lower the figure: what it measures is the wait for the lock.

SQLite's busy handler sleeps 1, 2, 5, 10 ms... when another process holds the lock, which a
write like this one holds for a fraction of a millisecond; Veille's engine tries again after
0.1 ms, then a little longer each time, up to 2 ms, within the same budget.

Run: `.venv/bin/python bench/sqlite_writers.py [--seconds 4] [--rounds 3] [--work-ms 0.8]`.
SQLite only: the database is a file in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.engine import Role  # noqa: E402
from db.engine import make_engine  # noqa: E402

SCHEMA = ("CREATE TABLE attempts (id INTEGER PRIMARY KEY, state TEXT NOT NULL, turns INTEGER NOT NULL)",
          "CREATE TABLE events (id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL,"
          " key TEXT NOT NULL UNIQUE)")
SELECT_ATTEMPT = text("SELECT state, turns FROM attempts WHERE id = :id")
INSERT_EVENT = text("INSERT INTO events (attempt_id, key) VALUES (:id, :key)")
UPDATE_ATTEMPT = text("UPDATE attempts SET turns = turns + 1 WHERE id = :id")
ATTEMPTS = 10_000
BUSY_MS = 5_000  # the web's budget (db.engine.BUDGETS)


def sqlite_busy_handler_engine(url: str):
    """An engine as Veille's was before: BEGIN IMMEDIATE waits in SQLite's own busy handler."""
    engine = create_engine(url, connect_args={"timeout": BUSY_MS / 1000, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def tune(dbapi_connection, _record) -> None:
        for pragma in ("journal_mode=WAL", f"busy_timeout={BUSY_MS}", "synchronous=NORMAL"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def begin_immediate(connection) -> None:
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine


ENGINES = {"SQLite's busy handler": sqlite_busy_handler_engine,
           "Veille's engine": lambda url: make_engine(url, Role.WEB)}


def work(seconds: float) -> None:
    """CPU spent as a webhook spends it around its statements."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def writer(way: str, url: str, name: str, number: int, start_at: float, seconds: float,
           work_seconds: float, results) -> None:
    engine = ENGINES[way](url)
    done, sequence = 0, 0
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # connected before the start
        connection.commit()
        while time.time() < start_at:
            time.sleep(0.001)
        stop_at = start_at + seconds
        while time.time() < stop_at:
            sequence += 1
            attempt = (number * 7919 + sequence) % ATTEMPTS + 1
            connection.execute(SELECT_ATTEMPT, {"id": attempt})
            connection.commit()
            work(work_seconds)
            with connection.begin():
                connection.execute(INSERT_EVENT, {"id": attempt, "key": f"{name}:{number}:{sequence}"})
                connection.execute(UPDATE_ATTEMPT, {"id": attempt})
            done += 1
    engine.dispose()
    results.put(done)


def fresh_database(folder: str, name: str) -> str:
    path = os.path.join(folder, f"{name}.sqlite3")
    engine = sqlite_busy_handler_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        for statement in SCHEMA:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO attempts (state, turns) VALUES ('answered', 0)"),
                           [{} for _ in range(ATTEMPTS)])
    engine.dispose()
    return f"sqlite:///{path}"


def writes_per_second(way: str, url: str, processes: int, seconds: float, work_seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 3  # every process imported and connected
    workers = [context.Process(target=writer, args=(way, url, f"{processes}p", n, start_at, seconds,
                                                    work_seconds, results)) for n in range(processes)]
    for process in workers:
        process.start()
    total = sum(results.get(timeout=seconds + 60) for _ in workers)
    for process in workers:
        process.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=(
        "SQLite only: a file in a temporary folder, removed at the end; no database server is used."))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work-ms", type=float, default=0.8)
    args = parser.parse_args()
    print(f"{args.rounds} rounds of {args.seconds:.0f} s per figure, {args.work_ms} ms of CPU per write, "
          f"{os.cpu_count()} CPUs, load average at the start {os.getloadavg()[0]:.2f}")
    ratios: dict[str, list[float]] = {way: [] for way in ENGINES}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(1, args.rounds + 1):
            for index, way in enumerate(ENGINES):
                url = fresh_database(folder, f"round{number}-{index}")
                one, two = (writes_per_second(way, url, n, args.seconds, args.work_ms / 1000) for n in (1, 2))
                ratios[way].append(two / one)
                print(f"  round {number}  {way:<22} 1 process {one:7.0f} writes/s   2 processes "
                      f"{two:7.0f} writes/s   {two / one:.2f}x")
    print("medians of the rounds, 2 processes / 1:")
    for way, values in ratios.items():
        print(f"  {way:<22} {statistics.median(values):.2f}x")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
