"""Database faults for tests and benchmarks: a closed port, a silent listener, a held lock.

- `closed_port()`: a TCP port on 127.0.0.1 where nothing listens (connections are refused).
- `SilentListener`: accepts TCP connections and never says a word (a database whose
  process hangs, a firewall that swallows packets after the handshake).
- `held_lock(url)`: another session holding every table for as long as the block runs
  (PostgreSQL: LOCK TABLE ... ACCESS EXCLUSIVE; SQLite: an open write transaction).
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import is_sqlite


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_url_at(port: int) -> str:
    return f"postgresql+psycopg://veille@127.0.0.1:{port}/veille"


class SilentListener:
    """A TCP server that accepts connections, reads nothing and answers nothing."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="silent-listener", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self._server.close()
        for connection in self._held:
            connection.close()

    def __enter__(self) -> SilentListener:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


@contextlib.contextmanager
def held_lock(url: str, tables: tuple[str, ...] = ("call_attempts",)):
    """Another session holds `tables` (every table, on SQLite) until the block ends."""
    if is_sqlite(url):
        connection = sqlite3.connect(make_url(url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
            yield
            connection.rollback()
    finally:
        engine.dispose()
