"""The call state machine, one table row per transition."""

from __future__ import annotations

import pytest

from voice_app.domain.call_flow import TERMINAL
from voice_app.domain.call_flow import TRANSITIONS
from voice_app.domain.call_flow import Answered
from voice_app.domain.call_flow import AnsweredByHuman
from voice_app.domain.call_flow import AnsweredByMachine
from voice_app.domain.call_flow import Call
from voice_app.domain.call_flow import Context
from voice_app.domain.call_flow import Dialled
from voice_app.domain.call_flow import DialResult
from voice_app.domain.call_flow import Effect
from voice_app.domain.call_flow import Ended
from voice_app.domain.call_flow import KeyPressed
from voice_app.domain.call_flow import NoInput
from voice_app.domain.call_flow import Ringing
from voice_app.domain.call_flow import State
from voice_app.domain.call_flow import Then
from voice_app.domain.call_flow import WordRecognised
from voice_app.domain.call_flow import advance
from voice_app.domain.call_flow import reply_for
from voice_app.domain.call_flow import start_inbound
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.outcomes import Outcome as O

S = State
P = Prompt
IN = State.IN_PROGRESS
MENU, HELP, STOP, TRANSFER, BYE, VM = (Step.MENU, Step.HELP, Step.STOP_CONFIRM, Step.TRANSFER, Step.GOODBYE,
                                       Step.VOICEMAIL)
DUTY = Context(volunteers_on_duty=True)
LAST = Context(is_last_attempt=True)
ACCEPTED = Context(volunteers_on_duty=True, volunteer_accepted=True)
NOBODY = Context()
INBOUND = Context(inbound=True)
PENDING = Context(opt_out_pending=True)  # Veille's call to a tenant whose inbound call asked to stop
ASK = Step.REQUEST_CONFIRM

# name, call before, event, context, call after, (reply prompts, then) or None, effects
ROWS = [
    # --- the provider's progress ---
    ("dialled", Call(S.CLAIMED), Dialled(), NOBODY, Call(S.QUEUED), None, ()),
    ("ringing before the call id is stored", Call(S.CLAIMED), Ringing(), NOBODY, Call(S.RINGING), None, ()),
    ("ringing", Call(S.QUEUED), Ringing(), NOBODY, Call(S.RINGING), None, ()),
    ("answered from ringing", Call(S.RINGING), Answered(), NOBODY, Call(IN, MENU),
     ((P.IDENTITY, P.EMERGENCY, P.MENU), Then.GATHER), ()),
    ("answered before any ringing", Call(S.QUEUED), Answered(), NOBODY, Call(IN, MENU),
     ((P.IDENTITY, P.EMERGENCY, P.MENU), Then.GATHER), ()),
    ("answered while still claimed", Call(S.CLAIMED), Answered(), NOBODY, Call(IN, MENU),
     ((P.IDENTITY, P.EMERGENCY, P.MENU), Then.GATHER), ()),
    ("answer webhook after the in-progress status still plays the intro", Call(IN, MENU), Answered(), NOBODY,
     Call(IN, MENU), ((P.IDENTITY, P.EMERGENCY, P.MENU), Then.GATHER), ()),
    ("answer again later changes nothing", Call(IN, HELP), Answered(), NOBODY, Call(IN, HELP),
     ((P.HELP_QUESTION,), Then.GATHER), ()),
    # --- answering machines ---
    ("machine on a middle attempt: hang up", Call(IN, MENU), AnsweredByMachine("machine_end_beep"), NOBODY,
     Call(IN, VM, O.VOICEMAIL), None, (Effect.HANG_UP_CALL,)),
    ("machine on the last attempt: leave the message", Call(IN, MENU), AnsweredByMachine("machine_start"),
     LAST, Call(IN, VM, O.VOICEMAIL), None, (Effect.PLAY_VOICEMAIL_MESSAGE,)),
    ("machine before the answer webhook", Call(S.RINGING), AnsweredByMachine("machine_end_silence"), NOBODY,
     Call(IN, VM, O.VOICEMAIL), None, (Effect.HANG_UP_CALL,)),
    ("machine after a key: a key proves a person", Call(IN, HELP), AnsweredByMachine("machine_end_other"),
     NOBODY, Call(IN, HELP), None, ()),
    ("machine after the outcome is known", Call(IN, BYE, O.OK), AnsweredByMachine("machine_end_beep"), NOBODY,
     Call(IN, BYE, O.OK), None, ()),
    ("fax: a wrong number", Call(IN, MENU), AnsweredByMachine("fax"), NOBODY, Call(IN, BYE, O.FAILED), None,
     (Effect.HANG_UP_CALL,)),
    ("human: the menu goes on", Call(IN, MENU), AnsweredByHuman(), NOBODY, Call(IN, MENU), None, ()),
    ("human before the answer webhook", Call(S.RINGING), AnsweredByHuman(), NOBODY, Call(IN, MENU), None, ()),
    # --- the menu ---
    ("1: all is well", Call(IN, MENU), KeyPressed(MENU, "1"), NOBODY, Call(IN, BYE, O.OK),
     ((P.CONFIRM_ALL_WELL, P.GOODBYE), Then.HANG_UP), ()),
    ("oui: all is well", Call(IN, MENU), WordRecognised(MENU, "Oui."), NOBODY, Call(IN, BYE, O.OK),
     ((P.CONFIRM_ALL_WELL, P.GOODBYE), Then.HANG_UP), ()),
    ("2: the help question", Call(IN, MENU), KeyPressed(MENU, "2"), NOBODY, Call(IN, HELP),
     ((P.CONFIRM_NEED_HELP, P.HELP_QUESTION), Then.GATHER), ()),
    ("aide: the help question", Call(IN, MENU), WordRecognised(MENU, "à l'aide"), NOBODY, Call(IN, HELP),
     ((P.CONFIRM_NEED_HELP, P.HELP_QUESTION), Then.GATHER), ()),
    ("0 with a volunteer on duty: transfer", Call(IN, MENU), KeyPressed(MENU, "0"), DUTY, Call(IN, TRANSFER),
     ((P.CONFIRM_TALK_NOW,), Then.DIAL), ()),
    ("0 with nobody on duty: missed at once", Call(IN, MENU), KeyPressed(MENU, "0"), NOBODY,
     Call(IN, BYE, O.LIVE_TRANSFER_MISSED),
     ((P.CONFIRM_TALK_NOW, P.NOBODY_AVAILABLE, P.GOODBYE), Then.HANG_UP), ()),
    ("9: asks to confirm", Call(IN, MENU), KeyPressed(MENU, "9"), NOBODY, Call(IN, STOP),
     ((P.STOP_QUESTION,), Then.GATHER), ()),
    ("a key not on the menu repeats it", Call(IN, MENU), KeyPressed(MENU, "7"), NOBODY,
     Call(IN, MENU, tries=1), ((P.NOT_UNDERSTOOD, P.MENU), Then.GATHER), ()),
    ("an unknown word repeats it", Call(IN, MENU), WordRecognised(MENU, "bof"), NOBODY,
     Call(IN, MENU, tries=1), ((P.NOT_UNDERSTOOD, P.MENU), Then.GATHER), ()),
    ("first silence repeats the menu", Call(IN, MENU), NoInput(MENU), NOBODY, Call(IN, MENU, tries=1),
     ((P.NOT_HEARD, P.MENU), Then.GATHER), ()),
    ("second silence repeats it again", Call(IN, MENU, tries=1), NoInput(MENU), NOBODY,
     Call(IN, MENU, tries=2), ((P.NOT_HEARD, P.MENU), Then.GATHER), ()),
    ("third silence: no key", Call(IN, MENU, tries=2), NoInput(MENU), NOBODY, Call(IN, BYE, O.NO_KEY),
     ((P.NO_KEY, P.GOODBYE), Then.HANG_UP), ()),
    ("a key after two silences still counts", Call(IN, MENU, tries=2), KeyPressed(MENU, "1"), NOBODY,
     Call(IN, BYE, O.OK), ((P.CONFIRM_ALL_WELL, P.GOODBYE), Then.HANG_UP), ()),
    # --- the help question ---
    ("help 1: health", Call(IN, HELP), KeyPressed(HELP, "1"), NOBODY, Call(IN, BYE, O.HELP_HEALTH),
     ((P.CONFIRM_HEALTH, P.GOODBYE), Then.HANG_UP), ()),
    ("help 2: food", Call(IN, HELP), KeyPressed(HELP, "2"), NOBODY, Call(IN, BYE, O.HELP_FOOD),
     ((P.CONFIRM_FOOD, P.GOODBYE), Then.HANG_UP), ()),
    ("help 3: other", Call(IN, HELP), KeyPressed(HELP, "3"), NOBODY, Call(IN, BYE, O.HELP_OTHER),
     ((P.CONFIRM_OTHER, P.GOODBYE), Then.HANG_UP), ()),
    ("help said: courses", Call(IN, HELP), WordRecognised(HELP, "les courses"), NOBODY,
     Call(IN, BYE, O.HELP_FOOD), ((P.CONFIRM_FOOD, P.GOODBYE), Then.HANG_UP), ()),
    ("help silence once: asked again", Call(IN, HELP), NoInput(HELP), NOBODY, Call(IN, HELP, tries=1),
     ((P.NOT_HEARD, P.HELP_QUESTION), Then.GATHER), ()),
    ("help silence twice: still escalates", Call(IN, HELP, tries=1), NoInput(HELP), NOBODY,
     Call(IN, BYE, O.HELP_OTHER), ((P.HELP_NO_ANSWER, P.GOODBYE), Then.HANG_UP), ()),
    ("help wrong key twice: still escalates", Call(IN, HELP, tries=1), KeyPressed(HELP, "8"), NOBODY,
     Call(IN, BYE, O.HELP_OTHER), ((P.HELP_NO_ANSWER, P.GOODBYE), Then.HANG_UP), ()),
    # --- stopping the calls ---
    ("9 then 9: opt out", Call(IN, STOP), KeyPressed(STOP, "9"), NOBODY, Call(IN, BYE, O.OPT_OUT),
     ((P.CONFIRM_STOP, P.GOODBYE), Then.HANG_UP), ()),
    ("9 then 1: back to the menu", Call(IN, STOP), KeyPressed(STOP, "1"), NOBODY, Call(IN, MENU),
     ((P.STOP_CANCELLED, P.MENU), Then.GATHER), ()),
    ("9 then a spoken oui is not a confirmation", Call(IN, STOP), WordRecognised(STOP, "oui"), NOBODY,
     Call(IN, STOP, tries=1), ((P.NOT_UNDERSTOOD, P.STOP_QUESTION), Then.GATHER), ()),
    ("9 then nothing twice: calls continue, a volunteer calls back", Call(IN, STOP, tries=1), NoInput(STOP),
     NOBODY, Call(IN, BYE, O.OPT_OUT_UNCONFIRMED), ((P.STOP_NOT_CONFIRMED, P.GOODBYE), Then.HANG_UP), ()),
    # --- caller id proves nothing: on a call to the service number, 9 then 9 is a request ---
    ("inbound 9 then 9: a request, not an opt-out", Call(IN, STOP), KeyPressed(STOP, "9"), INBOUND,
     Call(IN, BYE, O.OPT_OUT_REQUESTED), ((P.STOP_REQUEST_NOTED, P.GOODBYE), Then.HANG_UP), ()),
    ("inbound 9 then 1: back to the menu", Call(IN, STOP), KeyPressed(STOP, "1"), INBOUND, Call(IN, MENU),
     ((P.STOP_CANCELLED, P.MENU), Then.GATHER), ()),
    # --- Veille's next call to the number on file asks to confirm ---
    ("answered with a request pending: the question first", Call(S.RINGING), Answered(), PENDING,
     Call(IN, ASK), ((P.IDENTITY, P.EMERGENCY, P.REQUEST_QUESTION), Then.GATHER), ()),
    ("a pending request is not asked on an inbound call", Call(S.RINGING), Answered(),
     Context(inbound=True, opt_out_pending=True), Call(IN, MENU), ((P.IDENTITY, P.EMERGENCY, P.MENU),
                                                                   Then.GATHER), ()),
    ("human verdict first, then the answer webhook: the question", Call(S.RINGING), AnsweredByHuman(),
     PENDING, Call(IN, ASK), None, ()),
    ("answer webhook after the in-progress status: the question", Call(IN, ASK), Answered(), PENDING,
     Call(IN, ASK), ((P.IDENTITY, P.EMERGENCY, P.REQUEST_QUESTION), Then.GATHER), ()),
    ("9: confirmed, the calls stop", Call(IN, ASK), KeyPressed(ASK, "9"), NOBODY, Call(IN, BYE, O.OPT_OUT),
     ((P.CONFIRM_STOP, P.GOODBYE), Then.HANG_UP), ()),
    ("1: the calls go on, and so does the call", Call(IN, ASK), KeyPressed(ASK, "1"), NOBODY, Call(IN, MENU),
     ((P.STOP_CANCELLED, P.MENU), Then.GATHER), ()),
    ("a spoken oui confirms nothing", Call(IN, ASK), WordRecognised(ASK, "oui"), NOBODY,
     Call(IN, ASK, tries=1), ((P.NOT_UNDERSTOOD, P.REQUEST_QUESTION), Then.GATHER), ()),
    ("silence twice: not confirmed, on to the menu", Call(IN, ASK, tries=1), NoInput(ASK), NOBODY,
     Call(IN, MENU), ((P.REQUEST_NOT_CONFIRMED, P.MENU), Then.GATHER), ()),
    ("a machine at the question: voicemail", Call(IN, ASK), AnsweredByMachine("machine_start"), NOBODY,
     Call(IN, VM, O.VOICEMAIL), None, (Effect.HANG_UP_CALL,)),
    ("hung up at the question: no key", Call(IN, ASK), Ended("completed"), NOBODY,
     Call(S.ENDED, ASK, O.NO_KEY), None, ()),
    # --- the live transfer ---
    ("dial completed and accepted: connected", Call(IN, TRANSFER), DialResult("completed"), ACCEPTED,
     Call(IN, BYE, O.LIVE_TRANSFER), ((P.GOODBYE,), Then.HANG_UP), ()),
    ("dial answered and accepted: connected", Call(IN, TRANSFER), DialResult("answered"), ACCEPTED,
     Call(IN, BYE, O.LIVE_TRANSFER), ((P.GOODBYE,), Then.HANG_UP), ()),
    ("dial completed but nobody took it: missed", Call(IN, TRANSFER), DialResult("completed"), DUTY,
     Call(IN, BYE, O.LIVE_TRANSFER_MISSED), ((P.TRANSFER_MISSED, P.GOODBYE), Then.HANG_UP), ()),
    ("dial no-answer: missed", Call(IN, TRANSFER), DialResult("no-answer"), DUTY,
     Call(IN, BYE, O.LIVE_TRANSFER_MISSED), ((P.TRANSFER_MISSED, P.GOODBYE), Then.HANG_UP), ()),
    ("dial busy: missed", Call(IN, TRANSFER), DialResult("busy"), DUTY,
     Call(IN, BYE, O.LIVE_TRANSFER_MISSED), ((P.TRANSFER_MISSED, P.GOODBYE), Then.HANG_UP), ()),
    ("dial with an empty status: missed", Call(IN, TRANSFER), DialResult(""), DUTY,
     Call(IN, BYE, O.LIVE_TRANSFER_MISSED), ((P.TRANSFER_MISSED, P.GOODBYE), Then.HANG_UP), ()),
    # --- the end of the call ---
    ("busy", Call(S.RINGING), Ended("busy"), NOBODY, Call(S.ENDED, outcome=O.BUSY), None, ()),
    ("no answer", Call(S.RINGING), Ended("no-answer"), NOBODY, Call(S.ENDED, outcome=O.NO_ANSWER), None, ()),
    ("failed", Call(S.QUEUED), Ended("failed"), NOBODY, Call(S.ENDED, outcome=O.FAILED), None, ()),
    ("failed before the call id is stored", Call(S.CLAIMED), Ended("failed"), NOBODY,
     Call(S.ENDED, outcome=O.FAILED), None, ()),
    ("canceled before answer", Call(S.RINGING), Ended("canceled"), NOBODY, Call(S.ENDED, outcome=O.NO_ANSWER),
     None, ()),
    ("completed with no answer seen: nobody heard a key", Call(S.RINGING), Ended("completed"), NOBODY,
     Call(S.ENDED, outcome=O.NO_KEY), None, ()),
    ("hung up in the menu: no key", Call(IN, MENU, tries=1), Ended("completed"), NOBODY,
     Call(S.ENDED, MENU, O.NO_KEY, 1), None, ()),
    ("hung up at the help question: help", Call(IN, HELP), Ended("completed"), NOBODY,
     Call(S.ENDED, HELP, O.HELP_OTHER), None, ()),
    ("hung up at the stop question: unconfirmed", Call(IN, STOP), Ended("completed"), NOBODY,
     Call(S.ENDED, STOP, O.OPT_OUT_UNCONFIRMED), None, ()),
    ("hung up while the volunteers ring: missed", Call(IN, TRANSFER), Ended("completed"), DUTY,
     Call(S.ENDED, TRANSFER, O.LIVE_TRANSFER_MISSED), None, ()),
    ("ended while talking to a volunteer: connected", Call(IN, TRANSFER), Ended("completed"), ACCEPTED,
     Call(S.ENDED, TRANSFER, O.LIVE_TRANSFER), None, ()),
    ("voicemail ends", Call(IN, VM, O.VOICEMAIL), Ended("completed"), NOBODY,
     Call(S.ENDED, VM, O.VOICEMAIL), None, ()),
    ("a no-answer after a key keeps the key's outcome", Call(IN, BYE, O.HELP_FOOD), Ended("no-answer"),
     NOBODY, Call(S.ENDED, BYE, O.HELP_FOOD), None, ()),
    ("a failed after an opt-out keeps it", Call(IN, BYE, O.OPT_OUT), Ended("failed"), NOBODY,
     Call(S.ENDED, BYE, O.OPT_OUT), None, ()),
]

# name, call, event: late, duplicated or unknown events change nothing
UNCHANGED = [
    ("late ringing after completed", Call(S.ENDED, outcome=O.OK), Ringing()),
    ("late answer after completed", Call(S.ENDED, outcome=O.NO_ANSWER), Answered()),
    ("second completed", Call(S.ENDED, outcome=O.OK), Ended("completed")),
    ("busy after completed", Call(S.ENDED, outcome=O.OK), Ended("busy")),
    ("a key after the end", Call(S.ENDED, MENU, O.NO_KEY), KeyPressed(MENU, "1")),
    ("machine after the end", Call(S.ENDED, outcome=O.NO_KEY), AnsweredByMachine("machine_end_beep")),
    ("anything on a cancelled attempt", Call(S.CANCELLED), Answered()),
    ("status on an attempt never dialled", Call(S.DUE), Ringing()),
    ("ringing after the answer", Call(IN, MENU), Ringing()),
    ("dialled after ringing", Call(S.RINGING), Dialled()),
    ("a key for a step already left", Call(IN, HELP), KeyPressed(MENU, "1")),
    ("silence for a step already left", Call(IN, BYE, O.OK), NoInput(MENU)),
    ("a dial result outside a transfer", Call(IN, MENU), DialResult("completed")),
    ("a key while the volunteers ring", Call(IN, TRANSFER), KeyPressed(TRANSFER, "1")),
    ("a status the machine does not know", Call(S.RINGING), Ended("exploded")),
    ("a key during the voicemail message", Call(IN, VM, O.VOICEMAIL), KeyPressed(MENU, "1")),
]


@pytest.mark.parametrize(("name", "before", "event", "context", "after", "reply", "effects"), ROWS,
                         ids=[row[0] for row in ROWS])
def test_each_transition_gives_its_state_reply_and_effects(name, before, event, context, after, reply,
                                                           effects):
    transition = advance(before, event, context)
    assert transition.call == after
    assert transition.effects == effects
    if reply is not None:
        assert (transition.reply.prompts, transition.reply.then) == reply
        if reply[1] == Then.GATHER:
            assert transition.reply.step == after.step


@pytest.mark.parametrize(("name", "call", "event"), UNCHANGED, ids=[row[0] for row in UNCHANGED])
def test_late_duplicated_or_unknown_events_change_nothing(name, call, event):
    transition = advance(call, event, DUTY)
    assert transition.call == call and not transition.changed and transition.effects == ()


def test_terminal_states_have_no_row_in_the_table():
    assert TERMINAL == {State.ENDED, State.CANCELLED}
    assert not [key for key in TRANSITIONS if key[0] in TERMINAL]


def test_every_choice_is_recorded_with_its_key_and_meaning():
    transition = advance(Call(IN, MENU), KeyPressed(MENU, "2"), NOBODY)
    assert (transition.answer.step, transition.answer.key, transition.answer.meaning) == (
        MENU, "2", Choice.NEED_HELP)


def test_a_spoken_answer_is_recorded_as_the_menu_word_not_the_sentence():
    transition = advance(Call(IN, MENU), WordRecognised(MENU, "Oui merci ça va"), NOBODY)
    assert transition.answer.key == "oui"


def test_silence_and_wrong_keys_record_no_answer():
    assert advance(Call(IN, MENU), NoInput(MENU), NOBODY).answer is None
    assert advance(Call(IN, MENU), KeyPressed(MENU, "5"), NOBODY).answer is None


@pytest.mark.parametrize(("call", "context", "expected"), [
    (Call(IN, MENU), NOBODY, ((P.MENU,), Then.GATHER)),
    (Call(IN, HELP), NOBODY, ((P.HELP_QUESTION,), Then.GATHER)),
    (Call(IN, TRANSFER), DUTY, ((), Then.DIAL)),
    (Call(IN, VM, O.VOICEMAIL), NOBODY, ((), Then.HANG_UP)),
    (Call(IN, VM, O.VOICEMAIL), LAST, ((P.VOICEMAIL_MESSAGE,), Then.HANG_UP)),
    (Call(IN, BYE, O.OK), NOBODY, ((P.GOODBYE,), Then.HANG_UP)),
    (Call(S.ENDED, outcome=O.OK), NOBODY, ((), Then.HANG_UP)),
])
def test_a_fresh_twiml_fetch_hears_what_the_call_is_at(call, context, expected):
    reply = reply_for(call, context)
    assert (reply.prompts, reply.then) == expected


def test_every_inbound_caller_hears_the_same_menu():
    """Whether the number is a tenant's is never disclosed: start_inbound does not even know."""
    transition = start_inbound()
    assert transition.call == Call(IN, MENU)
    assert transition.reply.prompts == (P.IDENTITY, P.EMERGENCY, P.MENU)
