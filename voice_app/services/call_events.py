"""Apply what the provider tells us about a call, in one transaction per webhook.

Each webhook is appended as a CallEvent under its idempotency key: a retried webhook finds
its key, changes nothing and gets the reply it got the first time. Otherwise the call flow
(voice_app.domain.call_flow) gives the new state; in the same transaction the tenant's
response is stored and the outcome's consequences land: the follow-up task (a help request
is never lost; a caller's calls to the service number open one task per reason and day) and,
for a confirmed opt-out, the tenant's unenrolment and suppression (their numbers kept only as
hashes). "9 then 9" on a call to the service number only records an opt-out request
(voice_app.services.opt_outs): caller id proves nothing.
Provider side effects (hang up, redirect) are returned as `effects` for the caller to
perform after the commit; nothing here does network I/O.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import CallEvent
from db.models import Organisation
from db.models import Response
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import Veille
from voice_app.domain.call_flow import NOT_YET_ANSWERED
from voice_app.domain.call_flow import Call
from voice_app.domain.call_flow import Context
from voice_app.domain.call_flow import Effect
from voice_app.domain.call_flow import Event
from voice_app.domain.call_flow import Reply
from voice_app.domain.call_flow import State
from voice_app.domain.call_flow import Then
from voice_app.domain.call_flow import Transition
from voice_app.domain.call_flow import advance
from voice_app.domain.call_flow import reply_for
from voice_app.domain.call_flow import start_inbound
from voice_app.domain.ivr_script import DEFAULT_LANGUAGE
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_voice import Voicing
from voice_app.domain.opt_out_requests import Settlement
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import escalation_reason
from voice_app.domain.outcomes import log_class
from voice_app.services import figure_counts
from voice_app.services import opt_outs
from voice_app.services.escalations import open_follow_up
from voice_app.services.recordings import voicing_for
from voice_app.services.volunteers import on_duty_user_ids
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.calls")

MAX_VOLUNTEERS_RUNG = 10  # Twilio dials at most ten Number nouns at once
SCREEN_ACCEPTED = "screen_accepted"


@dataclass(frozen=True)
class Callback:
    """One webhook, understood (voice_app.telephony.callbacks builds it from the form): its kind,
    idempotency key, event (None: recorded, changes nothing) and what to store of it."""

    kind: str
    key: str
    event: Event | None
    call_sid: str = ""
    detail: dict = field(default_factory=dict)
    turn: int | None = None  # gathers only: the turn the action URL was issued for

    @property
    def wants_twiml(self) -> bool:
        """Status and AMD callbacks only inform: their answer is never played."""
        return self.kind in {"answer", "gather", "dial"}


@dataclass(frozen=True)
class Handled:
    """What the web layer needs to answer a webhook: the reply, how to render it, and the
    provider effects to perform after the commit. `known` is False for an unknown token."""

    known: bool
    token: str = ""
    reply: Reply | None = None
    turn: int = 1
    organisation_name: str = ""
    callback_number: str | None = None
    volunteer_numbers: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()
    provider_call_id: str | None = None
    duplicate: bool = False
    language: str = DEFAULT_LANGUAGE
    voicing: Voicing = Voicing()


UNKNOWN = Handled(known=False)


def apply_callback(veille: Veille, token: str, callback: Callback) -> Handled:
    """Apply one webhook of the call `token`; a retried webhook changes nothing."""
    try:
        return _apply(veille, token, callback)
    except IntegrityError:  # the same webhook, twice at once: the other one was stored
        return _apply(veille, token, callback)


def current_reply(veille: Veille, token: str) -> Handled:
    """What the call should hear now (a fresh TwiML fetch, e.g. the voicemail message)."""
    with veille.session_factory.begin() as session:
        attempt = _attempt(session, token)
        if attempt is None or _call_of(attempt) is None:
            return UNKNOWN
        context = _context(session, attempt, volunteers=True, now=veille.clock())
        return _handled(session, veille, attempt, reply_for(_call_of(attempt), context))


def record_screening(veille: Veille, token: str, leg_sid: str, digits: str, parent_sid: str = "") -> bool:
    """A volunteer answered the screening question: True connects them (1, tenant waiting).
    The leg has its own CallSid; its ParentCallSid, when sent, must be the tenant's call."""
    with veille.session_factory.begin() as session:
        attempt = _attempt(session, token)
        if attempt is None or digits != "1" or attempt.state != State.IN_PROGRESS \
                or attempt.menu_step != Step.TRANSFER:
            return False
        if parent_sid and attempt.provider_call_id and parent_sid != attempt.provider_call_id:
            log.warning("call.foreign_call_sid attempt_id=%s kind=screen", attempt.id)
            return False
        key = f"{attempt.id}:screen:{leg_sid[:64]}"
        if session.scalar(select(CallEvent.id).where(CallEvent.idempotency_key == key)) is None:
            session.add(CallEvent(attempt_id=attempt.id, idempotency_key=key, kind=SCREEN_ACCEPTED,
                                  detail={}, received_at=veille.clock()))
    log.info("call.transfer_accepted attempt_id=%s", attempt.id)
    return True


def start_inbound_call(veille: Veille, organisation_id: int, call_sid: str, caller: str) -> Handled:
    """A call to the service number: recognise the tenant by number and open an attempt."""
    try:
        return _start_inbound(veille, organisation_id, call_sid, caller)
    except IntegrityError:  # the same inbound webhook, twice at once
        return _start_inbound(veille, organisation_id, call_sid, caller)


def token_of_call(veille: Veille, call_sid: str) -> str | None:
    """The attempt token of a provider call id (inbound status callbacks carry no token)."""
    if not call_sid:
        return None
    with veille.session_factory.begin() as session:
        return session.scalar(select(CallAttempt.token).where(CallAttempt.provider_call_id == call_sid))


# --- One webhook ------------------------------------------------------------------------------

def _apply(veille: Veille, token: str, callback: Callback) -> Handled:
    now = veille.clock()
    with veille.session_factory.begin() as session:
        attempt = _attempt(session, token)
        if attempt is None:
            return UNKNOWN
        if not _owns_call_sid(session, attempt, callback):
            log.warning("call.foreign_call_sid attempt_id=%s kind=%s", attempt.id, callback.kind)
            return UNKNOWN
        key = f"{attempt.id}:{callback.key}"
        stored = session.scalar(select(CallEvent).where(CallEvent.idempotency_key == key))
        if stored is not None:
            return _replay(session, veille, attempt, stored)
        turn = _turn(session, attempt)
        transition = _transition(session, attempt, callback, turn, now)
        late_gather = callback.kind == "gather" and not transition.changed
        next_turn = turn + (callback.kind == "gather" and transition.changed)
        reply = transition.reply if callback.wants_twiml else None
        detail = dict(callback.detail, reply=_reply_data(reply, next_turn))
        # A late gather is kept under its own kind so that it does not count as a turn.
        session.add(CallEvent(attempt_id=attempt.id, idempotency_key=key,
                              kind="gather_late" if late_gather else callback.kind,
                              detail=detail, received_at=now))
        _store(session, attempt, callback, transition, now)
        session.flush()
        return _handled(session, veille, attempt, reply, next_turn, transition.effects)


def _transition(session: Session, attempt: CallAttempt, callback: Callback, turn: int,
                now: datetime) -> Transition:
    call = _call_of(attempt)
    needs_volunteers = callback.kind == "gather"
    context = _context(session, attempt, volunteers=needs_volunteers, now=now)
    if call is None or callback.event is None or (callback.kind == "gather" and callback.turn != turn):
        call = call or Call(State.ENDED)
        return Transition(call, reply_for(call, context), changed=False)
    return advance(call, callback.event, context)


def _store(session: Session, attempt: CallAttempt, callback: Callback, transition: Transition,
           now: datetime) -> None:
    attempt.last_event_at = now
    # Only documented values reach the attempt (telephony.callbacks turns others into `other`).
    if callback.kind == "status" and callback.event is not None:
        attempt.provider_status = callback.detail["status"]
    if callback.kind == "amd" and callback.event is not None:
        attempt.answered_by = callback.detail["answered_by"]
    _adopt_call_sid(attempt, callback)
    if not transition.changed:
        return
    before, call = attempt.outcome, transition.call
    attempt.state, attempt.menu_step, attempt.silences = call.state, call.step, call.tries
    attempt.outcome = call.outcome
    if call.state == State.IN_PROGRESS and attempt.answered_at is None:
        attempt.answered_at = now
    if call.state == State.ENDED and attempt.ended_at is None:
        attempt.ended_at = now
        log.info("call.ended attempt_id=%s outcome=%s", attempt.id, log_class(call.outcome))
    if transition.answer is not None:
        _record_response(session, attempt, transition, now)
    if call.outcome is not None and call.outcome != before:
        _consequences(session, attempt, Outcome(call.outcome), now)
    figure_counts.outcome_changed(session, attempt, before, call.outcome)  # last: one flush of the attempt


def _owns_call_sid(session: Session, attempt: CallAttempt, callback: Callback) -> bool:
    """Is the webhook about this attempt's call? A signed webhook with a known token but
    another call's CallSid (or none) is treated as unknown: it changes nothing."""
    sid = callback.call_sid
    if attempt.provider_call_id:
        return sid == attempt.provider_call_id
    if not sid:
        return False
    taken = session.scalar(select(CallAttempt.id).where(CallAttempt.provider_call_id == sid))
    return taken is None


def _adopt_call_sid(attempt: CallAttempt, callback: Callback) -> None:
    """A fast provider calls back before the dispatcher stored the call id: keep it now (the
    unique constraint on the column settles a race with another attempt)."""
    if not attempt.provider_call_id:
        attempt.provider_call_id = callback.call_sid


def _record_response(session: Session, attempt: CallAttempt, transition: Transition, now: datetime) -> None:
    answer = transition.answer
    step = str(answer.step)
    used = session.scalar(select(func.count(Response.id)).where(
        Response.attempt_id == attempt.id, Response.step.like(f"{step}%")))
    label = step if not used else f"{step}.{used + 1}"  # the menu again after "9, then 1"
    session.add(Response(attempt_id=attempt.id, step=label, key=answer.key[:8], meaning=str(answer.meaning),
                         received_at=now))
    log.info("call.response attempt_id=%s step=%s", attempt.id, label)
    if answer.step == Step.REQUEST_CONFIRM and answer.meaning == Choice.STOP_CANCELLED:
        opt_outs.settle_on_call(session, attempt, Settlement.DECLINED_ON_CALL, now)


def _consequences(session: Session, attempt: CallAttempt, outcome: Outcome, now: datetime) -> None:
    """What an outcome calls for, in the transaction that records it."""
    log.info("call.outcome attempt_id=%s outcome=%s", attempt.id, log_class(outcome))
    if outcome == Outcome.OPT_OUT_REQUESTED:
        opt_outs.record_request(session, attempt, now)  # opens its own follow-up
        return
    reason = escalation_reason(outcome)
    if reason is not None:
        # A call to the service number is keyed by its caller and day: repeated calls, one task.
        caller = (attempt.to_number or "") if attempt.direction == "inbound" else None
        open_follow_up(session, organisation_id=attempt.organisation_id, tenant_id=attempt.tenant_id,
                       reason=reason, now=now, attempt_id=attempt.id, caller=caller)
    if outcome == Outcome.OPT_OUT and attempt.tenant_id is not None and attempt.direction != "inbound":
        opt_outs.opt_out_tenant(session, attempt.organisation_id, attempt.tenant_id, now, attempt.id)


# --- Inbound ----------------------------------------------------------------------------------

def _start_inbound(veille: Veille, organisation_id: int, call_sid: str, caller: str) -> Handled:
    now = veille.clock()
    with veille.session_factory.begin() as session:
        existing = session.scalar(select(CallAttempt).where(CallAttempt.provider_call_id == call_sid))
        if existing is not None:
            first = session.scalar(select(CallEvent).where(CallEvent.attempt_id == existing.id)
                                   .order_by(CallEvent.id).limit(1))
            return _replay(session, veille, existing, first)
        tenant_id = _tenant_by_number(session, organisation_id, caller)
        attempt = CallAttempt(token=secrets.token_urlsafe(32), organisation_id=organisation_id,
                              tenant_id=tenant_id, direction="inbound", purpose="inbound",
                              state=State.IN_PROGRESS, provider_call_id=call_sid,
                              to_number=caller or None,
                              answered_at=now, last_event_at=now, answered_by="human")
        session.add(attempt)
        session.flush()
        transition = start_inbound()
        attempt.menu_step, attempt.outcome = transition.call.step, transition.call.outcome
        # Whether the caller is a tenant is stored, never said: every caller hears the same.
        session.add(CallEvent(attempt_id=attempt.id, idempotency_key=f"{attempt.id}:inbound:{call_sid}",
                              kind="inbound", detail={"known_caller": tenant_id is not None,
                                                      "reply": _reply_data(transition.reply, 1)},
                              received_at=now))
        if transition.call.outcome is not None:
            _consequences(session, attempt, Outcome(transition.call.outcome), now)
        log.info("call.inbound attempt_id=%s known_caller=%s", attempt.id, tenant_id is not None)
        return _handled(session, veille, attempt, transition.reply)


def _tenant_by_number(session: Session, organisation_id: int, caller: str) -> int | None:
    """The tenant the caller's number is on file for; a tenant who opted out has no number any
    more, so they are an unknown caller (who hears the same menu)."""
    if not caller:
        return None  # withheld, or not a phone number (telephony.callbacks.caller_number)
    return session.scalar(select(Tenant.id).where(
        Tenant.organisation_id == organisation_id, or_(Tenant.phone == caller, Tenant.phone2 == caller),
    ).order_by(Tenant.id).limit(1))


# --- Helpers ----------------------------------------------------------------------------------

def _attempt(session: Session, token: str) -> CallAttempt | None:
    if not token or len(token) > 64:
        return None
    # Row lock on PostgreSQL (SQLite serialises writers): one webhook of a call at a time.
    return session.scalar(select(CallAttempt).where(CallAttempt.token == token).with_for_update())


def _call_of(attempt: CallAttempt) -> Call | None:
    """The machine's view of a stored attempt (None for a state it does not know)."""
    try:
        return Call(State(attempt.state), Step(attempt.menu_step) if attempt.menu_step else None,
                    Outcome(attempt.outcome) if attempt.outcome else None, attempt.silences or 0)
    except ValueError:
        return None


def _context(session: Session, attempt: CallAttempt, volunteers: bool, now: datetime) -> Context:
    on_duty = bool(volunteers and _volunteer_numbers(session, attempt.organisation_id, now))
    accepted = attempt.menu_step == Step.TRANSFER and session.scalar(select(CallEvent.id).where(
        CallEvent.attempt_id == attempt.id, CallEvent.kind == SCREEN_ACCEPTED).limit(1)) is not None
    inbound = attempt.direction == "inbound"
    # Where the call starts is decided once, when it is answered: only then is it looked up.
    pending = not inbound and attempt.state in NOT_YET_ANSWERED and opt_outs.has_pending_request(
        session, attempt.tenant_id)
    return Context(is_last_attempt=attempt.is_last_attempt, volunteers_on_duty=on_duty,
                   volunteer_accepted=accepted, inbound=inbound, opt_out_pending=pending,
                   language=_language(session, attempt))


def _language(session: Session, attempt: CallAttempt) -> str:
    """The tenant's language on the calls Veille places; French on the service number, where
    speaking the caller's language would tell that their number is a tenant's."""
    if attempt.direction == "inbound" or attempt.tenant_id is None:
        return DEFAULT_LANGUAGE
    return session.scalar(select(Tenant.language).where(Tenant.id == attempt.tenant_id)) or DEFAULT_LANGUAGE


def _volunteer_numbers(session: Session, organisation_id: int, now: datetime) -> tuple[str, ...]:
    """The phones of the volunteers on duty now (flag or roster slot), landlord and partners."""
    ids = on_duty_user_ids(session, pool_organisation_ids(session, organisation_id), "volunteer", now)
    if not ids:
        return ()
    return tuple(session.scalars(select(User.on_duty_phone).where(User.id.in_(ids[:MAX_VOLUNTEERS_RUNG]))
                                 .order_by(User.id)))


def _turn(session: Session, attempt: CallAttempt) -> int:
    """The gather turn the call is waiting for: one more than the gathers applied so far."""
    done = session.scalar(select(func.count(CallEvent.id)).where(
        CallEvent.attempt_id == attempt.id, CallEvent.kind == "gather"))
    return (done or 0) + 1


def _reply_data(reply: Reply | None, turn: int) -> dict | None:
    if reply is None:
        return None
    return {"prompts": [str(p) for p in reply.prompts], "then": str(reply.then),
            "step": str(reply.step) if reply.step else None, "turn": turn, "slow": reply.slow}


def _replay(session: Session, veille: Veille, attempt: CallAttempt, stored: CallEvent | None) -> Handled:
    """The answer a webhook got the first time (a retried webhook must hear the same)."""
    data = (stored.detail or {}).get("reply") if stored is not None else None
    if not data:
        handled = _handled(session, veille, attempt, None)
    else:
        reply = Reply(tuple(Prompt(p) for p in data["prompts"]), Then(data["then"]),
                      Step(data["step"]) if data.get("step") else None, bool(data.get("slow")))
        handled = _handled(session, veille, attempt, reply, data.get("turn") or 1)
    log.info("call.duplicate_webhook attempt_id=%s kind=%s", attempt.id, stored.kind if stored else "-")
    return replace(handled, duplicate=True)


def _handled(session: Session, veille: Veille, attempt: CallAttempt, reply: Reply | None, turn: int = 1,
             effects: tuple[Effect, ...] = ()) -> Handled:
    # Only a rendered reply names the landlord; status and AMD callbacks need no lookup.
    organisation = session.get(Organisation, attempt.organisation_id) if reply is not None else None
    dialling = reply is not None and reply.then == Then.DIAL
    numbers = _volunteer_numbers(session, attempt.organisation_id, veille.clock()) if dialling else ()
    return Handled(
        known=True, token=attempt.token, reply=reply, turn=turn,
        organisation_name=organisation.name if organisation else "Veille",
        callback_number=(organisation.callback_number if organisation else None)
        or veille.settings.TWILIO_FROM_NUMBER or None,
        volunteer_numbers=numbers, effects=effects, provider_call_id=attempt.provider_call_id,
        language=_language(session, attempt) if reply is not None else DEFAULT_LANGUAGE,
        voicing=voicing_for(veille.settings, organisation),
    )

