"""The call-event queries of a webhook: one read of everything the call flow needs, and the
few writes that record the webhook (voice_app.services.call_events decides between them).

Theory of operation: a webhook reads its call in one statement (the attempt, its landlord,
the tenant's language, the event already stored under the webhook's idempotency key, and the
answers already given at the current step), outside any write transaction: on SQLite it takes
no write lock while the service decides. The writes then check that the attempt is still as it
was read (`record_call`'s optimistic condition on the columns the decision used) and rely on
the idempotency key's unique constraint (`record_event` inserts or does nothing); when either
finds a concurrent change, the service starts the webhook over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Connection
from sqlalchemy import Insert
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import Update
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import CallEvent
from db.models import Organisation
from db.models import Response
from db.models import Tenant

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
    row = connection.execute(_read_call_statement(), {"token": token, "key_suffix": key_suffix}).first()
    return CallRecord(**row._mapping) if row is not None else None


def record_event(connection: Connection, attempt_id: int, key: str, kind: str, detail: dict,
                 now: datetime) -> bool:
    """Store the webhook under its idempotency key; False if it was already stored."""
    statement = _insert_event_statement(connection.dialect.name)
    stored = connection.execute(statement, {"attempt_id": attempt_id, "idempotency_key": key, "kind": kind,
                                            "detail": detail, "received_at": now})
    return stored.first() is not None


def record_call(connection: Connection, call: CallRecord, values: dict) -> bool:
    """Write `values` to the attempt if its decision columns are still as `call` read them."""
    read = {f"read_{name}": getattr(call, name) for name in DECISION_COLUMNS}
    parameters = {**values, "read_id": call.id, **read}
    return connection.execute(_update_call_statement(), parameters).rowcount == 1


def record_answer(connection: Connection, attempt_id: int, step: str, key: str, meaning: str,
                  now: datetime) -> None:
    connection.execute(_insert_answer_statement(), {"attempt_id": attempt_id, "step": step, "key": key,
                                                    "meaning": meaning, "received_at": now})


# Built once: a webhook pays for neither building nor compiling its statements.

@cache
def _read_call_statement() -> Select:
    event_key = cast(CallAttempt.id, String) + literal(":") + bindparam("key_suffix", type_=String)
    answers = (select(func.count(Response.id))
               .where(Response.attempt_id == CallAttempt.id, Response.step.like(CallAttempt.menu_step + "%"))
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


@cache
def _insert_event_statement(dialect_name: str) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (dialect.insert(CallEvent).on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(CallEvent.id))


@cache
def _update_call_statement() -> Update:
    """The SET clause comes from the parameters' names; the read_* ones are the condition."""
    table = CallAttempt.__table__
    unchanged = [table.c[name].is_not_distinct_from(bindparam(f"read_{name}", type_=table.c[name].type))
                 for name in DECISION_COLUMNS]
    return update(table).where(table.c.id == bindparam("read_id"), *unchanged)


@cache
def _insert_answer_statement() -> Insert:
    return Response.__table__.insert()


def volunteer_accepted(session: Session, attempt_id: int, kind: str) -> bool:
    """Has a volunteer's screening answer (`kind`) been stored for this call?"""
    query = select(CallEvent.id).where(CallEvent.attempt_id == attempt_id, CallEvent.kind == kind).limit(1)
    return session.scalar(query) is not None


def call_sid_taken(session: Session, call_sid: str) -> bool:
    return session.scalar(select(CallAttempt.id).where(CallAttempt.provider_call_id == call_sid)) is not None


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
