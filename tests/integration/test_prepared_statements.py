"""Statements run on the driver's cursor (db.prepared) write and read exactly what the ORM does,
fail as SQLAlchemy would, and are seen by the engine's statement listeners; on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import CallAttempt
from db.models import CallEvent
from db.prepared import prepared


@prepared
def insert_event(_dialect_name: str):
    events = CallEvent.__table__
    names = ("attempt_id", "idempotency_key", "kind", "detail", "received_at")
    return insert(events).values({name: bindparam(name, type_=events.c[name].type) for name in names})


@prepared
def read_attempt(_dialect_name: str):
    return select(CallAttempt.id, CallAttempt.is_last_attempt, CallAttempt.answered_at,
                  CallAttempt.state).where(CallAttempt.token == bindparam("token"))


@pytest.fixture
def attempt(veille, organisation):
    paris = timezone(timedelta(hours=1))
    with veille.session_factory.begin() as session:
        attempt = CallAttempt(token="t0k", organisation_id=organisation.id, purpose="test", state="ringing",
                              is_last_attempt=True, answered_at=datetime(2026, 12, 1, 10, 30, tzinfo=paris))
        session.add(attempt)
    return attempt


def test_a_row_read_on_the_driver_has_the_orm_types(veille, attempt):
    with veille.engine.connect() as connection:
        row = read_attempt(connection).first(connection, {"token": "t0k"})
        assert read_attempt(connection).first(connection, {"token": "none"}) is None
    assert row == {"id": attempt.id, "is_last_attempt": True, "state": "ringing",
                   "answered_at": datetime(2026, 12, 1, 9, 30, tzinfo=UTC)}


def test_a_row_written_on_the_driver_reads_back_through_the_orm(veille, attempt):
    received = datetime(2026, 12, 1, 9, 31, 5, 250, tzinfo=UTC)
    values = {"attempt_id": attempt.id, "idempotency_key": "k1", "kind": "status",
              "detail": {"status": "completed", "reply": None}, "received_at": received}
    with veille.engine.connect() as connection, connection.begin():
        insert_event(connection).run(connection, values).close()
    with veille.session_factory() as session:
        stored = session.scalars(select(CallEvent)).one()
    assert (stored.idempotency_key, stored.kind, stored.detail, stored.received_at) == (
        "k1", "status", {"status": "completed", "reply": None}, received)


def test_a_unique_violation_is_sqlalchemys_integrity_error_and_the_listeners_saw_the_statement(veille,
                                                                                                 attempt):
    seen = []
    event.listen(veille.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    values = {"attempt_id": attempt.id, "idempotency_key": "same", "kind": "status", "detail": {},
              "received_at": datetime(2026, 12, 1, tzinfo=UTC)}
    with veille.engine.connect() as connection:
        with connection.begin():
            insert_event(connection).run(connection, values).close()
        with pytest.raises(IntegrityError), connection.begin():
            insert_event(connection).run(connection, values).close()
        # the connection is still usable: the failed transaction was rolled back
        assert read_attempt(connection).first(connection, {"token": "t0k"})["id"] == attempt.id
    assert sum(statement.startswith("INSERT INTO call_events") for statement in seen) == 2
    with veille.session_factory() as session:
        assert len(session.scalars(select(CallEvent)).all()) == 1


def test_a_value_the_column_refuses_is_refused_before_the_database(veille, attempt):
    @prepared
    def set_state(_dialect_name: str):
        attempts = CallAttempt.__table__
        return attempts.update().values(state=bindparam("state", type_=attempts.c.state.type))

    with veille.engine.connect() as connection, pytest.raises(LookupError):
        set_state(connection).run(connection, {"state": "not-a-state"})
