"""The call state machine: events in, new state, reply and effects out (no I/O).

Theory of operation
-------------------
A call is a `Call`: a lifecycle `state` (what the provider says: due, claimed, queued,
ringing, in_progress, then ended or cancelled), a `step` inside the IVR while in progress
(voice_app.domain.ivr_script.Step), the `outcome` once known, and `tries`, the unusable
answers (silence or a key not on the menu) given at the current step.

Everything that happens to a call is an event: the provider's status callbacks (`Dialled`,
`Ringing`, `Answered`, `Ended(status)`), the answering-machine verdict (`AnsweredByHuman`,
`AnsweredByMachine`), the tenant's input at a step (`KeyPressed`, `WordRecognised`,
`NoInput`) and the end of a live transfer (`DialResult`). `advance(call, event, context)`
looks the pair (state, event type) up in `TRANSITIONS`; a pair that is not in the table, or
an input for another step than the current one, is late, duplicated or unknown and changes
nothing. `ended` and `cancelled` have no row at all: a terminal state never regresses.

Inside the IVR, `MOVES` (voice_app.domain.ivr_moves) says what each choice does at each
step: the next step, the words said back (every choice is confirmed in words) and the
outcome. Silence and keys that are not on the menu repeat the question until the step's
`MAX_TRIES`, then `GIVE_UP` applies. The repeat key (`*`) says the current question again
without counting as a try; at the first question, before any answer, it repeats the emergency
sentence too (the tenant may have pressed it during that sentence). After a silence the
question is said again slowly (`Reply.slow`).
An outcome, once set, is never replaced: a `no-answer` after a key keeps the key's outcome.

Caller id proves nothing, so a call to the service number (`Context.inbound`) never stops a
tenant's calls: there "9 then 9" is an opt-out *request* (`OPT_OUT_REQUESTED`), and every
caller, known or not, hears the same words. The next call Veille places to the tenant's number
on file (`Context.opt_out_pending`) starts with the question "press 9 to confirm"
(`Step.REQUEST_CONFIRM`): 9 stops the calls, 1 or silence goes on to the usual menu.

The caller of `advance` (voice_app.services.call_events) stores the new call, records the
`answer` as a KeyPress, opens the follow-up the outcome needs, renders `reply` as TwiML and, after the
commit, performs the provider `effects` (hang up, or redirect to the voicemail message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from enum import StrEnum

from voice_app.domain.ivr_moves import GIVE_UP
from voice_app.domain.ivr_moves import HUNG_UP_AT
from voice_app.domain.ivr_moves import INBOUND_MOVES
from voice_app.domain.ivr_moves import MAX_TRIES
from voice_app.domain.ivr_moves import MOVES
from voice_app.domain.ivr_moves import NOBODY_ON_DUTY
from voice_app.domain.ivr_moves import QUESTION
from voice_app.domain.ivr_moves import Move
from voice_app.domain.ivr_script import DEFAULT_LANGUAGE
from voice_app.domain.ivr_script import REPEAT_KEY
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_script import choice_for_key
from voice_app.domain.ivr_script import choice_for_words
from voice_app.domain.ivr_script import language_of
from voice_app.domain.ivr_script import menu_word
from voice_app.domain.outcomes import Outcome
from voice_app.domain.provider import FINAL_STATUSES
from voice_app.domain.provider import CallStatus


class State(StrEnum):
    DUE = "due"
    CLAIMED = "claimed"
    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    CANCELLED = "cancelled"


TERMINAL = frozenset({State.ENDED, State.CANCELLED})
NOT_YET_ANSWERED = (State.CLAIMED, State.QUEUED, State.RINGING)


# --- Events -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dialled:
    """The provider accepted the call."""


@dataclass(frozen=True)
class Ringing:
    """`initiated` or `ringing`."""


@dataclass(frozen=True)
class Answered:
    """The answer webhook, or the `in-progress` status."""


@dataclass(frozen=True)
class AnsweredByHuman:
    """Answering-machine detection says human (or cannot tell)."""


@dataclass(frozen=True)
class AnsweredByMachine:
    kind: str  # machine_start | machine_end_beep | machine_end_silence | machine_end_other | fax


@dataclass(frozen=True)
class KeyPressed:
    step: Step
    key: str


@dataclass(frozen=True)
class WordRecognised:
    step: Step
    speech: str


@dataclass(frozen=True)
class NoInput:
    step: Step


@dataclass(frozen=True)
class DialResult:
    status: str  # Twilio's DialCallStatus


@dataclass(frozen=True)
class Ended:
    status: str  # completed | busy | no-answer | failed | canceled


Event = (Dialled | Ringing | Answered | AnsweredByHuman | AnsweredByMachine | KeyPressed
         | WordRecognised | NoInput | DialResult | Ended)


# --- State, context, outputs ------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    state: State
    step: Step | None = None
    outcome: Outcome | None = None
    tries: int = 0


@dataclass(frozen=True)
class Context:
    """Facts about the world the machine needs but does not own."""

    is_last_attempt: bool = False
    volunteers_on_duty: bool = False
    volunteer_accepted: bool = False  # a volunteer pressed 1 on the screening question
    inbound: bool = False  # a call to the service number: the caller's number proves nothing
    opt_out_pending: bool = False  # an outbound call to a tenant whose inbound call asked to stop
    language: str = DEFAULT_LANGUAGE  # the tenant file's language: spoken words are heard in it


class Then(StrEnum):
    GATHER = "gather"  # ask the question of the call's step
    DIAL = "dial"  # ring the volunteers on duty
    HANG_UP = "hang_up"


@dataclass(frozen=True)
class Reply:
    """What the caller hears next, as data (telephony.twiml renders it)."""

    prompts: tuple[Prompt, ...]
    then: Then
    step: Step | None = None
    slow: bool = False  # said again after a silence: slower than the usual pace


class Effect(StrEnum):
    HANG_UP_CALL = "hang_up_call"
    PLAY_VOICEMAIL_MESSAGE = "play_voicemail_message"


@dataclass(frozen=True)
class Answer:
    """A response to record: the key (or menu word) given at a step, and what it means."""

    step: Step
    key: str
    meaning: Choice


@dataclass(frozen=True)
class Transition:
    call: Call
    reply: Reply | None = None
    effects: tuple[Effect, ...] = ()
    answer: Answer | None = None
    changed: bool = True


# Outcome of a call that ends before being answered, by Twilio's final CallStatus.
# `completed` without an answer seen: someone picked up and we never heard a key.
NEVER_ANSWERED = {
    CallStatus.COMPLETED: Outcome.NO_KEY,
    CallStatus.BUSY: Outcome.BUSY,
    CallStatus.NO_ANSWER: Outcome.NO_ANSWER,
    CallStatus.CANCELED: Outcome.NO_ANSWER,
    CallStatus.FAILED: Outcome.FAILED,
}
CONNECTED_DIAL_STATUSES = frozenset({CallStatus.COMPLETED, CallStatus.ANSWERED})
INTRO = (Prompt.IDENTITY, Prompt.EMERGENCY, Prompt.MENU)
FIRST_STEPS = frozenset({Step.MENU, Step.REQUEST_CONFIRM})  # where an answered call starts


# --- Handlers ---------------------------------------------------------------------------------

def _unchanged(call: Call, context: Context, reply: bool = False) -> Transition:
    return Transition(call, reply_for(call, context) if reply else None, changed=False)


def _to(state: State) -> Callable[[Call, Event, Context], Transition]:
    def handler(call: Call, event: Event, context: Context) -> Transition:
        return Transition(replace(call, state=state))
    return handler


def _first_step(context: Context) -> Step:
    return Step.REQUEST_CONFIRM if context.opt_out_pending and not context.inbound else Step.MENU


def _intro(step: Step) -> Reply:
    return Reply((Prompt.IDENTITY, Prompt.EMERGENCY, QUESTION[step]), Then.GATHER, step)


def _answered(call: Call, event: Answered, context: Context) -> Transition:
    if call.state in NOT_YET_ANSWERED:
        step = _first_step(context)
        return Transition(Call(State.IN_PROGRESS, step), _intro(step))
    if call.step in FIRST_STEPS and call.tries == 0 and call.outcome is None:
        # The `in-progress` status (or a human verdict) came before the answer webhook: the
        # intro is still due.
        return Transition(call, _intro(call.step), changed=False)
    return _unchanged(call, context, reply=True)


def _machine(call: Call, event: AnsweredByMachine, context: Context) -> Transition:
    if call.state == State.IN_PROGRESS and (call.step not in FIRST_STEPS or call.outcome is not None):
        return _unchanged(call, context)  # a key proved a person is there
    if event.kind == "fax":
        return Transition(Call(State.IN_PROGRESS, Step.GOODBYE, Outcome.FAILED), None, (Effect.HANG_UP_CALL,))
    effect = Effect.PLAY_VOICEMAIL_MESSAGE if context.is_last_attempt else Effect.HANG_UP_CALL
    return Transition(Call(State.IN_PROGRESS, Step.VOICEMAIL, Outcome.VOICEMAIL), None, (effect,))


def _human(call: Call, event: AnsweredByHuman, context: Context) -> Transition:
    if call.state in NOT_YET_ANSWERED:
        return Transition(Call(State.IN_PROGRESS, _first_step(context)))
    return _unchanged(call, context)


def _input(call: Call, event: KeyPressed | WordRecognised | NoInput, context: Context) -> Transition:
    if event.step != call.step or call.step not in MAX_TRIES:
        return _unchanged(call, context, reply=True)  # late or duplicated: say what is current
    if isinstance(event, NoInput):
        return _retry(call, Prompt.NOT_HEARD)
    if isinstance(event, KeyPressed) and event.key == REPEAT_KEY:
        return _repeat(call)
    if isinstance(event, KeyPressed):
        choice, given = choice_for_key(call.step, event.key), event.key
    else:
        language = language_of(context.language)
        choice = choice_for_words(call.step, event.speech, language)
        given = menu_word(call.step, event.speech, language) or ""  # the menu word, never the transcription
    if choice is None:
        return _retry(call, Prompt.NOT_UNDERSTOOD)
    return _choose(call, choice, given, context)


def _retry(call: Call, why: Prompt) -> Transition:
    tries = call.tries + 1
    if tries >= MAX_TRIES[call.step]:
        return _move(call, GIVE_UP[call.step])
    step = call.step
    slow = why == Prompt.NOT_HEARD
    return Transition(replace(call, tries=tries), Reply((why, QUESTION[step]), Then.GATHER, step, slow))


def _repeat(call: Call) -> Transition:
    """`*`: the question again, not a try; the emergency sentence too while nothing was answered."""
    step = call.step
    first = step in FIRST_STEPS and call.tries == 0 and call.outcome is None
    prompts = (Prompt.EMERGENCY, QUESTION[step]) if first else (QUESTION[step],)
    return Transition(call, Reply(prompts, Then.GATHER, step))


def _choose(call: Call, choice: Choice, given: str, context: Context) -> Transition:
    move = MOVES[(call.step, choice)]
    if context.inbound:
        move = INBOUND_MOVES.get((call.step, choice), move)
    if move.step == Step.TRANSFER and not context.volunteers_on_duty:
        move = NOBODY_ON_DUTY
    answer = Answer(call.step, given, choice)
    return replace(_move(call, move), answer=answer)


def _move(call: Call, move: Move) -> Transition:
    moved = Call(State.IN_PROGRESS, move.step, move.outcome or call.outcome)
    return Transition(moved, Reply(move.say, _then(move.step), move.step))


def _dial_result(call: Call, event: DialResult, context: Context) -> Transition:
    if call.step != Step.TRANSFER:
        return _unchanged(call, context, reply=True)
    if event.status in CONNECTED_DIAL_STATUSES and context.volunteer_accepted:
        return _move(call, Move(Step.GOODBYE, (Prompt.GOODBYE,), Outcome.LIVE_TRANSFER))
    return _move(call, Move(Step.GOODBYE, (Prompt.TRANSFER_MISSED, Prompt.GOODBYE),
                            Outcome.LIVE_TRANSFER_MISSED))


def _ended(call: Call, event: Ended, context: Context) -> Transition:
    if event.status not in FINAL_STATUSES:
        return _unchanged(call, context)
    return Transition(replace(call, state=State.ENDED, outcome=final_outcome(call, event.status, context)))


def final_outcome(call: Call, status: str, context: Context) -> Outcome:
    """The outcome of a call that ends now with Twilio's final `status`."""
    if call.outcome is not None:
        return call.outcome
    if call.state != State.IN_PROGRESS:
        return NEVER_ANSWERED[status]
    if call.step == Step.TRANSFER and context.volunteer_accepted:
        return Outcome.LIVE_TRANSFER
    return HUNG_UP_AT.get(call.step, Outcome.NO_KEY)


def _then(step: Step) -> Then:
    if step == Step.TRANSFER:
        return Then.DIAL
    return Then.GATHER if step in MAX_TRIES else Then.HANG_UP


# --- The table --------------------------------------------------------------------------------

Handler = Callable[[Call, Event, Context], Transition]
TRANSITIONS: dict[tuple[State, type], Handler] = {
    (State.CLAIMED, Dialled): _to(State.QUEUED),
    (State.CLAIMED, Ringing): _to(State.RINGING),
    (State.QUEUED, Ringing): _to(State.RINGING),
    **{(state, Answered): _answered for state in (*NOT_YET_ANSWERED, State.IN_PROGRESS)},
    **{(state, AnsweredByMachine): _machine for state in (*NOT_YET_ANSWERED, State.IN_PROGRESS)},
    **{(state, AnsweredByHuman): _human for state in (*NOT_YET_ANSWERED, State.IN_PROGRESS)},
    **{(State.IN_PROGRESS, kind): _input for kind in (KeyPressed, WordRecognised, NoInput)},
    (State.IN_PROGRESS, DialResult): _dial_result,
    **{(state, Ended): _ended for state in (*NOT_YET_ANSWERED, State.IN_PROGRESS)},
}


def advance(call: Call, event: Event, context: Context) -> Transition:
    """Apply `event` to `call`: a pair not in the table changes nothing."""
    handler = TRANSITIONS.get((call.state, type(event)))
    if handler is None:
        return _unchanged(call, context, reply=True)
    return handler(call, event, context)


def reply_for(call: Call, context: Context) -> Reply:
    """What a fresh TwiML request for this call should hear now (the call does not change)."""
    if call.state != State.IN_PROGRESS:
        return Reply((), Then.HANG_UP)
    if call.step in QUESTION:
        return Reply((QUESTION[call.step],), Then.GATHER, call.step)
    if call.step == Step.TRANSFER:
        return Reply((), Then.DIAL, Step.TRANSFER)
    if call.step == Step.VOICEMAIL and context.is_last_attempt:
        return Reply((Prompt.VOICEMAIL_MESSAGE,), Then.HANG_UP, Step.VOICEMAIL)
    return Reply((Prompt.GOODBYE,) if call.step == Step.GOODBYE else (), Then.HANG_UP, call.step)


def start_inbound() -> Transition:
    """A call to the service number: every caller, a tenant or not, hears the same menu
    (whether a number is a tenant's is never disclosed)."""
    return Transition(Call(State.IN_PROGRESS, Step.MENU), Reply(INTRO, Then.GATHER, Step.MENU))
