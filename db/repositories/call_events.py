"""The call-event queries of a webhook: one read of everything the call flow needs, and the
few writes that record the webhook (voice_app.services.call_events decides between them).

Theory of operation: a webhook reads its call in one statement (the attempt, its landlord,
the tenant's language, the event already stored under the webhook's idempotency key, and the
answers already given at the current step), outside any write transaction: on SQLite it takes
no write lock while the service decides. `record_webhook` then writes the attempt only if it is
still as it was read (an optimistic condition on the columns the decision used), its event
under the idempotency key (unique) and the tenant's answer: on PostgreSQL in one statement,
all or nothing, which needs no transaction; on SQLite one statement per row, in the caller's
BEGIN IMMEDIATE transaction. When the attempt changed or the event was stored meanwhile, the
service starts the webhook over. These statements are prepared once per dialect and run on the
driver's cursor (db.prepared): they are the hot path of DESIGN §10's 500 webhooks a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter
from sqlalchemy import Connection
from sqlalchemy import Insert
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Update
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import CallEvent
from db.models import KeyPress
from db.models import Organisation
from db.models import Tenant
from db.prepared import prepared

# The columns a webhook's decision depends on: a write succeeds only if none has changed.
DECISION_COLUMNS = ("state", "menu_step", "outcome", "silences", "gather_turns", "provider_call_id")


@dataclass(frozen=True)
class CallRecord:
    """A call as one webhook reads it."""

    id: int
    token: str
    organisation_id: int
    tenant_id: int | None
    direction: str
    state: str
    menu_step: str | None
    outcome: str | None
    silences: int
    gather_turns: int
    is_last_attempt: bool
    provider_call_id: str | None
    answered_at: datetime | None
    ended_at: datetime | None
    to_number: str | None
    organisation_name: str
    organisation_slug: str
    callback_number: str | None
    organisation_settings: dict | None
    tenant_language: str | None
    answers_at_step: int  # Responses already stored for the current step (the menu again...)
    stored_kind: str | None  # the event already stored under the webhook's key, if any
    stored_detail: dict | None


def read_call(connection: Connection, token: str, key_suffix: str = "") -> CallRecord | None:
    """The call of `token`, with the event stored under "<attempt id>:<key_suffix>" if any."""
    row = _read_call(connection).first(connection, {"token": token, "key_suffix": key_suffix})
    return CallRecord(**row) if row is not None else None


@dataclass(frozen=True)
class AnswerRow:
    """The tenant's answer as stored with its webhook (KeyPress)."""

    step: str  # the step, numbered when asked again ("menu.2")
    key: str
    meaning: str


def written_in_one_statement(connection: Connection) -> bool:
    """Does `record_webhook` write in one statement (all or nothing, no transaction needed)?"""
    return connection.dialect.name == "postgresql"


def record_webhook(connection: Connection, call: CallRecord, key: str, kind: str, detail: dict,
                   values: dict, answer: AnswerRow | None, now: datetime) -> bool:
    """Store the webhook's event under its idempotency key, the attempt's new `values` and the
    tenant's answer, all or none. False when the attempt changed since `call` was read, or (on
    SQLite) the event was already stored; on PostgreSQL an event stored meanwhile raises
    IntegrityError (the key's unique constraint): either way the caller rolls back if it began
    a transaction, and starts over. One statement on PostgreSQL (one round trip, see
    `written_in_one_statement`); one per row on SQLite, in the caller's transaction, where a
    statement costs no round trip."""
    parameters = {"attempt_id": call.id, "idempotency_key": key, "kind": kind, "detail": detail, "now": now,
                  **values, **_as_read(call)}
    if answer is not None:
        parameters.update(answer_step=answer.step, answer_key=answer.key, answer_meaning=answer.meaning)
    keys = tuple(sorted(values))
    if written_in_one_statement(connection):
        written = _write_webhook(connection, keys, answer is not None).first(connection, parameters)
        return written["attempts"] == 1
    if _insert_event(connection).first(connection, parameters) is None:
        return False
    if _update_call(connection, keys).rowcount(connection, parameters) != 1:
        return False
    if answer is not None:
        _insert_answer(connection).run(connection, parameters).close()
    return True


def _as_read(call: CallRecord) -> dict:
    return {"read_id": call.id, **{f"read_{name}": getattr(call, name) for name in DECISION_COLUMNS}}


# Prepared once per dialect (db.prepared): a webhook pays for neither building, compiling nor
# SQLAlchemy's execution machinery.

@prepared
def _read_call(_dialect_name: str) -> Select:
    event_key = cast(CallAttempt.id, String) + literal(":") + bindparam("key_suffix", type_=String)
    answers = (select(func.count(KeyPress.id))
               .where(KeyPress.attempt_id == CallAttempt.id, KeyPress.step.like(CallAttempt.menu_step + "%"))
               .scalar_subquery())
    return (select(*(getattr(CallAttempt, name) for name in _ATTEMPT_COLUMNS),
                   Organisation.name.label("organisation_name"), Organisation.slug.label("organisation_slug"),
                   Organisation.callback_number,
                   Organisation.settings.label("organisation_settings"),
                   Tenant.language.label("tenant_language"),
                   answers.label("answers_at_step"), CallEvent.kind.label("stored_kind"),
                   CallEvent.detail.label("stored_detail"))
            .join(Organisation, Organisation.id == CallAttempt.organisation_id)
            .outerjoin(Tenant, Tenant.id == CallAttempt.tenant_id)
            .outerjoin(CallEvent, and_(CallEvent.idempotency_key == event_key,
                                       CallEvent.attempt_id == CallAttempt.id))
            .where(CallAttempt.token == bindparam("token", type_=String)))


_ATTEMPT_COLUMNS = ("id", "token", "organisation_id", "tenant_id", "direction", "state", "menu_step",
                    "outcome", "silences", "gather_turns", "is_last_attempt", "provider_call_id",
                    "answered_at", "ended_at", "to_number")


def _bound(table: Table, name: str, key: str | None = None) -> BindParameter:
    return bindparam(key or name, type_=table.c[name].type)


def _call_update(keys: tuple[str, ...]) -> Update:
    """Set `keys` on the attempt if its decision columns are still as read (read_* parameters)."""
    attempts = CallAttempt.__table__
    unchanged = [attempts.c[name].is_not_distinct_from(_bound(attempts, name, f"read_{name}"))
                 for name in DECISION_COLUMNS]
    return (update(attempts).values({name: _bound(attempts, name) for name in keys})
            .where(attempts.c.id == bindparam("read_id"), *unchanged))


# Each row's columns and the parameters that give their values.
_EVENT_VALUES = {"attempt_id": "attempt_id", "idempotency_key": "idempotency_key", "kind": "kind",
                 "detail": "detail", "received_at": "now"}
_ANSWER_VALUES = {"attempt_id": "attempt_id", "step": "answer_step", "key": "answer_key",
                  "meaning": "answer_meaning", "received_at": "now"}


def _values(table: Table, values: dict[str, str]) -> dict[str, BindParameter]:
    return {column: _bound(table, column, key) for column, key in values.items()}


@prepared
def _insert_event(dialect_name: str) -> Insert:
    events = CallEvent.__table__
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return (dialect_insert(events).values(_values(events, _EVENT_VALUES))
            .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(events.c.id))


@prepared
def _update_call(_dialect_name: str, keys: tuple[str, ...]) -> Update:
    return _call_update(keys)


@prepared
def _insert_answer(_dialect_name: str) -> Insert:
    return insert(KeyPress.__table__).values(_values(KeyPress.__table__, _ANSWER_VALUES))


@prepared
def _write_webhook(_dialect_name: str, keys: tuple[str, ...], with_answer: bool) -> Select:
    """PostgreSQL: the attempt if it is still as read, then the event and the answer only if it
    changed, in one statement (atomic); it says how many attempts it changed (0 or 1). An event
    stored meanwhile under the same key fails the whole statement (unique constraint)."""
    attempt = _call_update(keys).returning(CallAttempt.id).cte("changed_attempt")
    stored = [_stored_from(attempt, CallEvent.__table__, _EVENT_VALUES, "stored_event")]
    if with_answer:
        stored.append(_stored_from(attempt, KeyPress.__table__, _ANSWER_VALUES, "stored_answer"))
    # Every CTE is named in the SELECT: a data-modifying CTE left out would not be rendered.
    return select(*(select(func.count()).select_from(cte).scalar_subquery().label(label)
                    for cte, label in ((attempt, "attempts"), *((cte, cte.name) for cte in stored))))


def _stored_from(attempt, table: Table, values: dict[str, str], name: str):
    """INSERT INTO `table` one row per changed attempt (0 or 1), its other values bound."""
    given = select(attempt.c.id, *(_bound(table, column, key) for column, key in values.items()
                                   if column != "attempt_id"))
    return insert(table).from_select(list(values), given).returning(table.c.id).cte(name)


def volunteer_accepted(session: Session, attempt_id: int, kind: str) -> bool:
    """Has a volunteer's screening answer (`kind`) been stored for this call?"""
    query = select(CallEvent.id).where(CallEvent.attempt_id == attempt_id, CallEvent.kind == kind).limit(1)
    return session.scalar(query) is not None


def call_sid_taken(session: Session, call_sid: str, other_than: int) -> bool:
    """Does an attempt other than `other_than` hold `call_sid`?"""
    return session.scalar(select(CallAttempt.id).where(
        CallAttempt.provider_call_id == call_sid, CallAttempt.id != other_than)) is not None


def token_of_call(session: Session, call_sid: str) -> str | None:
    return session.scalar(select(CallAttempt.token).where(CallAttempt.provider_call_id == call_sid))


def attempt_of_call(session: Session, call_sid: str) -> CallAttempt | None:
    return session.scalar(select(CallAttempt).where(CallAttempt.provider_call_id == call_sid))


def first_event(session: Session, attempt_id: int) -> CallEvent | None:
    return session.scalar(select(CallEvent).where(CallEvent.attempt_id == attempt_id)
                          .order_by(CallEvent.id).limit(1))


def event_stored(session: Session, key: str) -> bool:
    return session.scalar(select(CallEvent.id).where(CallEvent.idempotency_key == key)) is not None


def tenant_by_number(session: Session, organisation_id: int, number: str) -> int | None:
    """The first tenant of the organisation with this number on file (first or second phone)."""
    return session.scalar(select(Tenant.id).where(
        Tenant.organisation_id == organisation_id, or_(Tenant.phone == number, Tenant.phone2 == number),
    ).order_by(Tenant.id).limit(1))


def locked_attempt(session: Session, token: str) -> CallAttempt | None:
    """The attempt of `token`, row-locked on PostgreSQL (SQLite serialises writers)."""
    return session.scalar(select(CallAttempt).where(CallAttempt.token == token).with_for_update())
