"""Engine and session factory, with time-outs wherever the database can stall.

Every process has a role (`Role`): the web process answers Twilio, which gives up after
15 s; the clock must stop within seconds of SIGTERM; a CLI command must say within seconds
that the database cannot be reached; a migration may run long but must not queue forever
behind a lock. Each role gets a `Budget`:

- PostgreSQL: `connect_timeout` (a closed port fails at once, a silent listener after
  it), `statement_timeout` and `lock_timeout` per session, TCP keepalives and
  `tcp_user_timeout` so a vanished network surfaces within seconds, not TCP's minutes.
- SQLite (WAL): `busy_timeout`, the wait for another writer (BEGIN IMMEDIATE, tried again
  every fraction of a millisecond within it).
- Both: the wait for a free pooled connection.

Whatever the driver says, a database that cannot answer within the budget raises
`DatabaseUnavailable` (a sqlalchemy OperationalError): refused or lost connection,
connection or statement time-out, lock time-out, SQLite busy. Callers catch that one type
and give a clear answer (safe TwiML, a French message, a back-off), never a traceback.
SQL parameters are hidden from error messages: they hold phone numbers and answers.

No round trip checks a pooled connection before use (pre-ping): a webhook should not pay for
it. Connections are recycled after `POOL_RECYCLE_SECONDS`, and a connection found dead when
used (the server restarted) makes the pool drop it and every older one: an idempotent action
runs once more on a fresh connection (`retry_on_disconnect`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.prepared import on_driver

SUPPRESSION_KEY_INFO = "suppression_key"  # Session.info entry
T = TypeVar("T")
POOL_RECYCLE_SECONDS = 1800
# Execution option: on SQLite, statements run one by one (autocommit) instead of in a BEGIN
# IMMEDIATE transaction, so a read takes no write lock (see `statements_on_their_own`).
SQLITE_AUTOCOMMIT = "veille_sqlite_autocommit"
FIRST_PAUSE_SECONDS, LAST_PAUSE_SECONDS = 0.0001, 0.002  # SQLite's write lock, tried again


class Role(StrEnum):
    WEB = "web"
    CLOCK = "clock"
    CLI = "cli"
    MIGRATE = "migrate"


@dataclass(frozen=True)
class Budget:
    """How long a process of a role waits for the database, at most, at each step."""

    connect_seconds: int  # PostgreSQL connect_timeout (libpq's minimum is 2)
    statement_ms: int  # PostgreSQL statement_timeout (0: none)
    lock_ms: int  # PostgreSQL lock_timeout
    network_ms: int  # PostgreSQL tcp_user_timeout: unacknowledged data on a dead network
    sqlite_busy_ms: int  # SQLite busy_timeout
    pool_seconds: float  # wait for a free connection of the pool


BUDGETS = {
    # Twilio gives up at 15 s: the answer, safe TwiML at worst, leaves within about 5 s.
    Role.WEB: Budget(connect_seconds=3, statement_ms=5_000, lock_ms=3_000, network_ms=5_000,
                     sqlite_busy_ms=5_000, pool_seconds=3),
    # Jobs are idempotent and run again next minute: a stalled run gives up, never hangs.
    Role.CLOCK: Budget(connect_seconds=5, statement_ms=120_000, lock_ms=10_000, network_ms=10_000,
                       sqlite_busy_ms=30_000, pool_seconds=10),
    Role.CLI: Budget(connect_seconds=5, statement_ms=120_000, lock_ms=8_000, network_ms=8_000,
                     sqlite_busy_ms=8_000, pool_seconds=5),
    # A schema change may take long, but must not wait behind a long transaction (every
    # query queued behind its lock would wait too).
    Role.MIGRATE: Budget(connect_seconds=5, statement_ms=0, lock_ms=10_000, network_ms=10_000,
                         sqlite_busy_ms=30_000, pool_seconds=5),
}

# PostgreSQL errors that mean "not now" rather than "wrong": connection exceptions (class
# 08), query_canceled (statement_timeout), lock_not_available (lock_timeout), server
# shutting down or starting, too many connections.
UNAVAILABLE_SQLSTATES = frozenset({"57014", "55P03", "57P01", "57P02", "57P03", "53300"})
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file",
                      "disk i/o error")


class DatabaseUnavailable(OperationalError):
    """The database could not answer within the process's budget (see module docstring).

    `reason`, for logs: `unreachable` (refused, silent or lost), `timeout` (statement),
    `locked` (lock time-out, SQLite busy)."""

    reason: str = "unreachable"


def is_sqlite(url_or_engine) -> bool:
    """True when the URL, engine or connection (a session's bind) points at SQLite."""
    if isinstance(url_or_engine, Engine | Connection):
        return url_or_engine.dialect.name == "sqlite"
    return make_url(str(url_or_engine)).get_backend_name() == "sqlite"


def make_engine(url: str, role: Role = Role.CLI, **kwargs) -> Engine:
    """An engine for `url` with the time-outs of `role`; SQLite files get their folder and WAL."""
    budget = BUDGETS[Role(role)]
    kwargs.setdefault("hide_parameters", True)
    engine = _sqlite_engine(url, budget, kwargs) if is_sqlite(url) else _postgres_engine(url, budget, kwargs)
    event.listen(engine, "handle_error", unavailable_as_one_type)
    return engine


def _sqlite_engine(url: str, budget: Budget, kwargs: dict) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": budget.sqlite_busy_ms / 1000, "isolation_level": None}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    def tune(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={budget.sqlite_busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", tune)
    event.listen(engine, "begin", partial(_begin_immediate, busy_ms=budget.sqlite_busy_ms))
    return engine


def _begin_immediate(conn, busy_ms: int) -> None:
    """Every write transaction takes the write lock when it starts, not at its first write, so
    two processes never deadlock upgrading a read lock. Held, the lock is tried again after
    0.1 ms, then a little longer each time up to 2 ms, within the busy budget: SQLite's own busy
    handler sleeps 1, 2, 5, 10 ms... while a webhook holds the lock for a fraction of one."""
    if conn.get_execution_options().get(SQLITE_AUTOCOMMIT):
        return
    driver = conn.connection.driver_connection
    deadline, pause = time.monotonic() + busy_ms / 1000, FIRST_PAUSE_SECONDS
    driver.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                on_driver(conn, "BEGIN IMMEDIATE", handled=False).close()
                return
            except sqlite3.OperationalError as error:
                if unavailability(error) != "locked":
                    break  # raised below, the way SQLAlchemy raises it
            time.sleep(pause)
            pause = min(pause * 2, LAST_PAUSE_SECONDS)
        on_driver(conn, "BEGIN IMMEDIATE").close()  # the last try: its error as DatabaseUnavailable
    finally:
        driver.execute(f"PRAGMA busy_timeout={busy_ms}")


@contextmanager
def statements_on_their_own(connection: Connection) -> Iterator[Connection]:
    """Inside the block each statement on `connection` commits on its own: a read takes no lock
    (on SQLite, not the database's write lock: no BEGIN IMMEDIATE) and costs no BEGIN/COMMIT
    round trips (PostgreSQL), and a single statement is all-or-nothing. Writes that must land
    together belong after the block, in `connection.begin()`."""
    if is_sqlite(connection):
        alone, back = {SQLITE_AUTOCOMMIT: True}, {SQLITE_AUTOCOMMIT: False}
    else:
        alone = {"isolation_level": "AUTOCOMMIT"}
        back = {"isolation_level": connection.default_isolation_level}
    connection.execution_options(**alone)
    try:
        yield connection
    finally:
        connection.execution_options(**back)


class SessionOnDemand:
    """A session made by `open_session` at its first use (any attribute), else never: for a
    code path that needs a session only now and then. `flush()`, `close()` and `has_changes()`
    touch it only if it was opened."""

    def __init__(self, open_session: Callable[[], Session]) -> None:
        self._open, self._session = open_session, None

    def __getattr__(self, name: str):
        if self._session is None:
            self._session = self._open()
        return getattr(self._session, name)

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def has_changes(self) -> bool:
        """Objects added, changed or deleted and not flushed yet."""
        session = self._session
        return session is not None and bool(session.new or session.dirty or session.deleted)


def retry_on_disconnect(action: Callable[[], T]) -> T:
    """Run an idempotent `action`, once more if the connection it used was dead (the pool has
    replaced it, and every connection older than it)."""
    try:
        return action()
    except DatabaseUnavailable as error:
        if not error.connection_invalidated:
            raise
        return action()


def _postgres_engine(url: str, budget: Budget, kwargs: dict) -> Engine:
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    kwargs.setdefault("pool_timeout", budget.pool_seconds)
    connect_args = postgres_connect_args(budget) | kwargs.pop("connect_args", {})
    return create_engine(url, connect_args=connect_args, **kwargs)


def postgres_connect_args(budget: Budget) -> dict:
    """libpq parameters bounding every wait of a PostgreSQL connection."""
    options = f"-c lock_timeout={budget.lock_ms}"
    if budget.statement_ms:
        options += f" -c statement_timeout={budget.statement_ms}"
    return {"connect_timeout": budget.connect_seconds, "options": options, "keepalives": 1,
            "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
            "tcp_user_timeout": budget.network_ms}


def unavailable_as_one_type(context: ExceptionContext) -> DatabaseUnavailable | None:
    """`handle_error` hook: a driver error that means "cannot answer now" becomes DatabaseUnavailable."""
    reason = unavailability(context.original_exception, context.is_disconnect, context.connection is None)
    if reason is None:
        return None
    error = DatabaseUnavailable(context.statement, context.parameters, context.original_exception,
                                hide_parameters=True, connection_invalidated=context.is_disconnect)
    error.reason = reason
    return error


def unavailability(original: BaseException, is_disconnect: bool = False,
                   connecting: bool = False) -> str | None:
    """Why a driver error means the database cannot answer now (a `DatabaseUnavailable.reason`),
    or None for an error of the statement itself (bad SQL, constraint...)."""
    sqlstate = getattr(original, "sqlstate", None) or ""
    if sqlstate == "57014":
        return "timeout"
    if sqlstate == "55P03":
        return "locked"
    if isinstance(original, sqlite3.OperationalError):
        message = str(original).lower()
        if "locked" in message:
            return "locked"
        return "unreachable" if any(text in message for text in SQLITE_UNAVAILABLE) else None
    if is_disconnect or sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
        return "unreachable"
    if connecting and not sqlstate:  # refused, silent, unknown host (not a bad password)
        return "unreachable"
    return None


def make_session_factory(engine: Engine, suppression_key: str) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them to callers), and
    carry the key of the opt-out list's hashes (voice_app.services.suppression)."""
    return sessionmaker(engine, expire_on_commit=False, info={SUPPRESSION_KEY_INFO: suppression_key})
