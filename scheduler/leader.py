"""Leader election: exactly one clock works, any other waits as a hot standby.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection that stays open while the clock leads. PostgreSQL releases it when that
  session ends, so a killed clock hands over as soon as its connection is gone. The leader
  checks the connection every heartbeat: if it dropped, the lock may already be someone
  else's, so the leader stops working at once and goes back to standby.
- SQLite: an exclusive `fcntl.flock` on a lock file next to the database (`instance/`). The
  kernel releases it when the process dies, however it dies.

The lock only decides who runs the jobs; double calls are prevented by the database claims
(db.repositories.attempts) even if two clocks ever overlapped.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from db.engine import BUDGETS
from db.engine import Role
from db.engine import is_sqlite
from db.engine import postgres_connect_args
from db.engine import unavailable_as_one_type
from voice_app.config import DEFAULT_INSTANCE_DIR

log = logging.getLogger("veille.clock")

# A stable 64-bit key for pg_advisory_lock, derived from a name so it is readable in code.
CLOCK_LOCK_KEY = int.from_bytes(hashlib.sha256(b"veille.clock").digest()[:8], "big", signed=True)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process now leads."""

    def still_held(self) -> bool:
        """False when the lock may have been lost (the leader must stop at once)."""

    def release(self) -> None:
        """Give the lock up (idempotent)."""


class PostgresLeaderLock:
    """`pg_try_advisory_lock` on a connection of its own (never returned to a pool)."""

    def __init__(self, database_url: str, key: int = CLOCK_LOCK_KEY) -> None:
        # The clock's time-outs: a silent network failure surfaces within seconds, not
        # TCP's many minutes; every failure is a DatabaseUnavailable.
        self._engine = create_engine(database_url, poolclass=NullPool, hide_parameters=True,
                                     connect_args=postgres_connect_args(BUDGETS[Role.CLOCK]))
        event.listen(self._engine, "handle_error", unavailable_as_one_type)
        self._key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.still_held()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            acquired = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
        except Exception:
            connection.close()
            raise
        if not acquired:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
            return True
        except Exception as error:
            log.error("clock.lock_connection_lost error=%s", type(error).__name__)
            self._discard()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except Exception:  # the session is gone, and the lock with it
            pass
        self._discard()

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection.invalidate()
            connection.close()
        except Exception:
            pass

    def close(self) -> None:
        self.release()
        self._engine.dispose()


class FileLeaderLock:
    """An exclusive, non-blocking `flock` on `path` (SQLite deployments: one machine)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who leads, for a human looking at the file
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def close(self) -> None:
        self.release()


def lock_file_for(database_url: str) -> Path:
    """`instance/veille.sqlite3` -> `instance/veille.sqlite3.clock.lock`."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        return DEFAULT_INSTANCE_DIR / "veille-clock.lock"
    path = Path(database)
    return path.with_name(path.name + ".clock.lock")


def leader_lock_for(database_url: str) -> PostgresLeaderLock | FileLeaderLock:
    """The right lock for the database the clock works on."""
    if is_sqlite(database_url):
        return FileLeaderLock(lock_file_for(database_url))
    return PostgresLeaderLock(database_url)
