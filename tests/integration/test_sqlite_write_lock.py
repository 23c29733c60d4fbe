"""SQLite: a write transaction waiting for another process's write lock tries it again every
fraction of a millisecond (db.engine), instead of sleeping in SQLite's busy handler (1, 2, 5,
10 ms...), and gets it once released; the wait stays bounded by the role's budget
(tests/integration/test_engine_time_outs.py) and the connection keeps its busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy import text

from db.engine import BUDGETS
from db.engine import Role
from db.engine import make_engine

HELD_SECONDS = 0.5


def hold_the_write_lock(path: str) -> threading.Thread:
    """Another process's writer: holds the write lock for HELD_SECONDS, then commits a row."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(HELD_SECONDS)
        holder.execute("INSERT INTO notes (text) VALUES ('first')")
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def begin_statements(engine) -> list[str]:
    """The BEGIN statements `engine` sends from now on, each try of the write lock."""
    tries: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: tries.append(statement) if "BEGIN" in statement else None)
    return tries


def test_a_writer_tries_the_lock_again_until_it_is_released(tmp_path):
    path = str(tmp_path / "veille.sqlite3")
    engine = make_engine(f"sqlite:///{path}", Role.WEB)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"))
    tries = begin_statements(engine)
    holder = hold_the_write_lock(path)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (text) VALUES ('second')"))
        with engine.connect() as connection:
            notes = connection.execute(text("SELECT text FROM notes ORDER BY id")).scalars().all()
            busy_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        holder.join()
        engine.dispose()
    assert notes == ["first", "second"], "the waiting writer wrote after the holder, nothing lost"
    # Held 0.5 s, tried again at most every 2 ms (a busy machine sleeps longer): SQLite's own
    # handler would have tried it once.
    assert len(tries) > 20
    assert busy_ms == BUDGETS[Role.WEB].sqlite_busy_ms, "other statements keep the busy timeout"


def test_a_free_lock_is_taken_at_the_first_try(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'veille.sqlite3'}", Role.WEB)
    tries = begin_statements(engine)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    finally:
        engine.dispose()
    assert tries == ["BEGIN IMMEDIATE"]
