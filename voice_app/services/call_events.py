"""Apply what the provider tells us about a call: read the call, decide, record (one webhook).

Each webhook is appended as a CallEvent under its idempotency key: a retried webhook finds
its key, changes nothing and gets the reply it got the first time. Otherwise the call flow
(voice_app.domain.call_flow) gives the new state; in the same transaction the tenant's
response is stored and the outcome's consequences land: the follow-up task (a help request
is never lost; a caller's calls to the service number open one task per reason and day) and,
for a confirmed opt-out, the tenant's unenrolment and suppression (their numbers kept only as
hashes). "9 then 9" on a call to the service number only records an opt-out request
(voice_app.services.opt_outs): caller id proves nothing.

A webhook is read and decided outside any write transaction (db.repositories.call_events);
the write then checks that the call has not changed since, else the webhook starts over.
Who is on duty, or whether an opt-out request is pending, is asked only when the transition
depends on it (a key that may transfer, the answer of a call).
Provider side effects (hang up, redirect) are returned as `effects` and performed after the
commit by voice_app.services.call_effects; nothing here does network I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import SessionOnDemand
from db.engine import retry_on_disconnect
from db.engine import statements_on_their_own
from db.repositories import call_events as calls
from db.repositories.call_events import CallRecord
from voice_app.domain.call_flow import NOT_YET_ANSWERED
from voice_app.domain.call_flow import Call
from voice_app.domain.call_flow import Context
from voice_app.domain.call_flow import Event
from voice_app.domain.call_flow import State
from voice_app.domain.call_flow import Transition
from voice_app.domain.call_flow import advance
from voice_app.domain.call_flow import reply_for
from voice_app.domain.callback import Callback
from voice_app.domain.ivr_script import DEFAULT_LANGUAGE
from voice_app.domain.ivr_script import Step
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import log_class
from voice_app.services import opt_outs
from voice_app.services.call_consequences import answer_row
from voice_app.services.call_consequences import record_consequences
from voice_app.services.call_consequences import writes_consequences
from voice_app.services.call_replies import UNKNOWN
from voice_app.services.call_replies import Handled
from voice_app.services.call_replies import handled
from voice_app.services.call_replies import replay
from voice_app.services.call_replies import reply_data
from voice_app.services.call_replies import volunteer_numbers
from voice_app.services.inbound_calls import start_inbound_call
from voice_app.services.inbound_calls import token_of_call
from voice_app.services.ports import Runtime
from voice_app.services.screening import SCREEN_ACCEPTED
from voice_app.services.screening import record_screening

__all__ = ["UNKNOWN", "Callback", "Handled", "apply_callback", "current_reply", "record_screening",
           "start_inbound_call", "token_of_call"]

log = logging.getLogger("veille.calls")

MAX_RUNS = 5  # a webhook starts over when its call changed meanwhile: rare, and never for long


class CallChanged(Exception):
    """The call changed, or the webhook was stored, between the read and the write."""


@dataclass(frozen=True)
class Decision:
    """What a webhook does to its call, decided before anything is written."""

    transition: Transition
    kind: str  # the event's kind as stored (a late gather does not count as a turn)
    detail: dict
    turn: int  # the gather turn the call waits for next


def apply_callback(veille: Runtime, token: str, callback: Callback) -> Handled:
    """Apply one webhook of the call `token`; a retried webhook changes nothing."""
    for _ in range(MAX_RUNS - 1):
        try:
            return retry_on_disconnect(lambda: _apply(veille, token, callback))
        except (CallChanged, IntegrityError):  # a concurrent webhook of the call: read it again
            continue
    return _apply(veille, token, callback)


def current_reply(veille: Runtime, token: str) -> Handled:
    """What the call should hear now (a fresh TwiML fetch, e.g. the voicemail message)."""
    with veille.engine.connect() as connection, reading(veille, connection) as session:
        call = calls.read_call(connection, token) if _well_formed(token) else None
        machine = _call_of(call) if call is not None else None
        if machine is None:
            return UNKNOWN
        reply = reply_for(machine, _context(session, call))
        return handled(session, veille, call, reply)


@contextmanager
def reading(veille: Runtime, connection: Connection) -> Iterator[Session]:
    """Statements on `connection` that take no write lock and commit on their own, with a
    session for the few reads that need one."""
    with statements_on_their_own(connection), _session_on(veille, connection) as session:
        yield session


@contextmanager
def _session_on(veille: Runtime, connection: Connection) -> Iterator[Session]:
    """A session on the webhook's connection (in its transaction, if any), opened only if used:
    most webhooks need none, and one costs more than their statements."""
    session = SessionOnDemand(lambda: veille.session_factory(bind=connection))
    try:
        yield session
    finally:
        session.close()


# --- One webhook: read, decide, record --------------------------------------------------------

def _apply(veille: Runtime, token: str, callback: Callback) -> Handled:
    now = veille.clock()
    with veille.engine.connect() as connection:  # one pooled connection for the whole webhook
        with reading(veille, connection) as session:
            call = calls.read_call(connection, token, callback.key) if _well_formed(token) else None
            if call is None:
                return UNKNOWN
            if not _owns_call_sid(session, call, callback):
                log.warning("call.foreign_call_sid attempt_id=%s kind=%s", call.id, callback.kind)
                return UNKNOWN
            if call.stored_kind is not None:
                return replay(session, veille, call, call.stored_kind, call.stored_detail)
            decision = _decide(session, call, callback, now)
            reply = decision.transition.reply if callback.wants_twiml else None
            answer = handled(session, veille, call, reply, decision.turn, decision.transition.effects)
            answer = replace(answer, provider_call_id=call.provider_call_id or callback.call_sid)
            if not _needs_transaction(connection, call, decision):
                _record(session, connection, call, callback, decision, now)  # one statement
                if session.has_changes():
                    raise RuntimeError("consequences written outside a transaction")
                return answer
        with connection.begin(), _session_on(veille, connection) as session:
            _record(session, connection, call, callback, decision, now)
            session.flush()  # what the consequences added, in the connection's transaction
    return answer


def _needs_transaction(connection: Connection, call: CallRecord, decision: Decision) -> bool:
    """Most webhooks write only their own rows: on PostgreSQL that is one statement, which needs
    no BEGIN or COMMIT; consequences (a follow-up, an opt-out) and SQLite's several statements do."""
    if not calls.written_in_one_statement(connection):
        return True
    transition = decision.transition
    return transition.changed and writes_consequences(call, transition.answer, _new_outcome(call, transition))


def _record(session: Session, connection: Connection, call: CallRecord, callback: Callback,
            decision: Decision, now: datetime) -> None:
    transition = decision.transition
    given = transition.answer if transition.changed else None
    row = answer_row(session, call, given) if given is not None else None
    values = _new_values(call, callback, decision, now)
    if not calls.record_webhook(connection, call, f"{call.id}:{callback.key}", decision.kind, decision.detail,
                                values, row, now):
        raise CallChanged  # changed meanwhile: the next run decides again
    if row is not None:
        log.info("call.response attempt_id=%s step=%s", call.id, row.step)
    if transition.changed:
        _after_change(session, call, transition, now)


def _decide(session: Session, call: CallRecord, callback: Callback, now: datetime) -> Decision:
    turn = call.gather_turns + 1
    gather = callback.kind == "gather"
    transition = _transition(session, call, callback, turn, now)
    reply = transition.reply if callback.wants_twiml else None
    next_turn = turn + (gather and transition.changed)
    kind = "gather_late" if gather and not transition.changed else callback.kind
    return Decision(transition, kind, dict(callback.detail, reply=reply_data(reply, next_turn)), next_turn)


def _transition(session: Session, call: CallRecord, callback: Callback, turn: int,
                now: datetime) -> Transition:
    machine = _call_of(call)
    context = _context(session, call)
    if machine is None or callback.event is None or (callback.kind == "gather" and callback.turn != turn):
        machine = machine or Call(State.ENDED)
        return Transition(machine, reply_for(machine, context), changed=False)
    facts = {"opt_out_pending": lambda: _opt_out_pending(session, call)}
    if callback.kind == "gather":  # who is on duty matters only to what the tenant asks for
        facts["volunteers_on_duty"] = lambda: bool(volunteer_numbers(session, call.organisation_id, now))
    return _advance(machine, callback.event, context, facts)


def _advance(machine: Call, event: Event, context: Context,
             facts: dict[str, Callable[[], bool]]) -> Transition:
    """Advance the call, asking the database for a fact of the context (False until asked) only
    when the transition depends on it: most webhooks need none of them."""
    transition = advance(machine, event, context)
    for name, ask in facts.items():
        if_true = advance(machine, event, replace(context, **{name: True}))
        if if_true != transition and ask():
            context, transition = replace(context, **{name: True}), if_true
    return transition


def _new_values(call: CallRecord, callback: Callback, decision: Decision, now: datetime) -> dict:
    values: dict = {"last_event_at": now}
    # Only documented values reach the attempt (telephony.callbacks turns others into `other`).
    if callback.kind == "status" and callback.event is not None:
        values["provider_status"] = callback.detail["status"]
    if callback.kind == "amd" and callback.event is not None:
        values["answered_by"] = callback.detail["answered_by"]
    if not call.provider_call_id:
        # A fast provider calls back before the dispatcher stored the call id: keep it now (the
        # unique constraint on the column settles a race with another attempt).
        values["provider_call_id"] = callback.call_sid
    transition = decision.transition
    if not transition.changed:
        return values
    machine = transition.call
    values.update(state=machine.state, menu_step=machine.step, silences=machine.tries,
                  outcome=machine.outcome)
    if callback.kind == "gather":
        values["gather_turns"] = call.gather_turns + 1
    if machine.state == State.IN_PROGRESS and call.answered_at is None:
        values["answered_at"] = now
    if machine.state == State.ENDED and call.ended_at is None:
        values["ended_at"] = now
    return values


def _after_change(session: Session, call: CallRecord, transition: Transition, now: datetime) -> None:
    machine = transition.call
    if machine.state == State.ENDED and call.ended_at is None:
        log.info("call.ended attempt_id=%s outcome=%s", call.id, log_class(machine.outcome))
    record_consequences(session, call, transition.answer, _new_outcome(call, transition), now)


def _new_outcome(call: CallRecord, transition: Transition) -> Outcome | None:
    outcome = transition.call.outcome
    return Outcome(outcome) if outcome is not None and outcome != call.outcome else None


def _owns_call_sid(session: Session, call: CallRecord, callback: Callback) -> bool:
    """Is the webhook about this attempt's call? A signed webhook with a known token but
    another call's CallSid (or none) is treated as unknown: it changes nothing. (Read with no
    call id yet, the attempt may get this one from the dispatcher meanwhile: that is its own,
    and the write's check on the column then sends the webhook round again.)"""
    sid = callback.call_sid
    if call.provider_call_id:
        return sid == call.provider_call_id
    return bool(sid) and not calls.call_sid_taken(session, sid, other_than=call.id)


# --- Helpers ----------------------------------------------------------------------------------

def _well_formed(token: str) -> bool:
    return bool(token) and len(token) <= 64


def _call_of(call: CallRecord) -> Call | None:
    """The machine's view of a stored attempt (None for a state it does not know)."""
    try:
        return Call(State(call.state), Step(call.menu_step) if call.menu_step else None,
                    Outcome(call.outcome) if call.outcome else None, call.silences or 0)
    except ValueError:
        return None


def _context(session: Session, call: CallRecord) -> Context:
    """What the call flow needs to know besides the call (the facts `_advance` asks for aside)."""
    accepted = call.menu_step == Step.TRANSFER and calls.volunteer_accepted(session, call.id, SCREEN_ACCEPTED)
    inbound = call.direction == "inbound"
    language = DEFAULT_LANGUAGE if inbound else call.tenant_language or DEFAULT_LANGUAGE
    return Context(is_last_attempt=call.is_last_attempt, volunteer_accepted=accepted, inbound=inbound,
                   language=language)


def _opt_out_pending(session: Session, call: CallRecord) -> bool:
    """Where the call starts is decided once, when it is answered: only then is it looked up."""
    return call.direction != "inbound" and call.state in NOT_YET_ANSWERED and opt_outs.has_pending_request(
        session, call.tenant_id)
