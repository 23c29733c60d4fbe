"""Engine and session factory; SQLite is tuned for several processes (WAL, busy timeout)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
SUPPRESSION_KEY_INFO = "suppression_key"  # Session.info entry


def is_sqlite(url_or_engine) -> bool:
    """True when the URL or engine points at SQLite."""
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(str(url_or_engine))
    return url.get_backend_name() == "sqlite"


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn) -> None:
    # Writers take the lock when the transaction starts, not on first write, so two
    # processes never deadlock upgrading a read lock; the busy timeout makes them queue.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for `url`; SQLite files get their folder, WAL and a busy timeout.

    SQL parameters are hidden from error messages: they hold phone numbers and answers."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}, **kwargs
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine, suppression_key: str) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them to callers), and
    carry the key of the opt-out list's hashes (voice_app.services.suppression)."""
    return sessionmaker(engine, expire_on_commit=False, info={SUPPRESSION_KEY_INFO: suppression_key})
