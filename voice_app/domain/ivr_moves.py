"""The IVR as data: what each choice does at each step, how often a question is asked, and
what silence or a hang-up at each step comes to (voice_app.domain.call_flow applies it).

Each `Move` is the next step, the words said back (every choice is confirmed in words) and
the outcome, if the choice settles one. On a call to the service number `INBOUND_MOVES`
replaces a few moves: caller id proves nothing, so "9 then 9" there is only a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.outcomes import Outcome


@dataclass(frozen=True)
class Move:
    step: Step
    say: tuple[Prompt, ...]
    outcome: Outcome | None = None


MOVES: dict[tuple[Step, Choice], Move] = {
    (Step.MENU, Choice.ALL_WELL): Move(Step.GOODBYE, (Prompt.CONFIRM_ALL_WELL, Prompt.GOODBYE), Outcome.OK),
    (Step.MENU, Choice.NEED_HELP): Move(Step.HELP, (Prompt.CONFIRM_NEED_HELP, Prompt.HELP_QUESTION)),
    (Step.MENU, Choice.TALK_NOW): Move(Step.TRANSFER, (Prompt.CONFIRM_TALK_NOW,)),
    (Step.MENU, Choice.STOP): Move(Step.STOP_CONFIRM, (Prompt.STOP_QUESTION,)),
    (Step.HELP, Choice.HEALTH): Move(Step.GOODBYE, (Prompt.CONFIRM_HEALTH, Prompt.GOODBYE),
                                     Outcome.HELP_HEALTH),
    (Step.HELP, Choice.FOOD): Move(Step.GOODBYE, (Prompt.CONFIRM_FOOD, Prompt.GOODBYE), Outcome.HELP_FOOD),
    (Step.HELP, Choice.OTHER): Move(Step.GOODBYE, (Prompt.CONFIRM_OTHER, Prompt.GOODBYE), Outcome.HELP_OTHER),
    (Step.STOP_CONFIRM, Choice.STOP_CONFIRMED): Move(Step.GOODBYE, (Prompt.CONFIRM_STOP, Prompt.GOODBYE),
                                                     Outcome.OPT_OUT),
    (Step.STOP_CONFIRM, Choice.STOP_CANCELLED): Move(Step.MENU, (Prompt.STOP_CANCELLED, Prompt.MENU)),
    (Step.REQUEST_CONFIRM, Choice.STOP_CONFIRMED): Move(Step.GOODBYE, (Prompt.CONFIRM_STOP, Prompt.GOODBYE),
                                                        Outcome.OPT_OUT),
    (Step.REQUEST_CONFIRM, Choice.STOP_CANCELLED): Move(Step.MENU, (Prompt.STOP_CANCELLED, Prompt.MENU)),
}

# On a call to the service number, what differs: 9 then 9 is only a request.
INBOUND_MOVES: dict[tuple[Step, Choice], Move] = {
    (Step.STOP_CONFIRM, Choice.STOP_CONFIRMED): Move(
        Step.GOODBYE, (Prompt.STOP_REQUEST_NOTED, Prompt.GOODBYE), Outcome.OPT_OUT_REQUESTED),
}

# 0 with nobody on duty: said back, then the promise of a call.
NOBODY_ON_DUTY = Move(Step.GOODBYE, (Prompt.CONFIRM_TALK_NOW, Prompt.NOBODY_AVAILABLE, Prompt.GOODBYE),
                      Outcome.LIVE_TRANSFER_MISSED)

# The menu is said three times (then repeated twice); the other questions twice.
MAX_TRIES = {Step.MENU: 3, Step.HELP: 2, Step.STOP_CONFIRM: 2, Step.REQUEST_CONFIRM: 2}
QUESTION = {Step.MENU: Prompt.MENU, Step.HELP: Prompt.HELP_QUESTION, Step.STOP_CONFIRM: Prompt.STOP_QUESTION,
            Step.REQUEST_CONFIRM: Prompt.REQUEST_QUESTION}

# After the last try: silence is never "ok"; 2 then nothing is still a help request; 9 then
# nothing does not stop the calls, a volunteer calls back to ask.
GIVE_UP = {
    Step.MENU: Move(Step.GOODBYE, (Prompt.NO_KEY, Prompt.GOODBYE), Outcome.NO_KEY),
    Step.HELP: Move(Step.GOODBYE, (Prompt.HELP_NO_ANSWER, Prompt.GOODBYE), Outcome.HELP_OTHER),
    Step.STOP_CONFIRM: Move(Step.GOODBYE, (Prompt.STOP_NOT_CONFIRMED, Prompt.GOODBYE),
                            Outcome.OPT_OUT_UNCONFIRMED),
    # Not confirmed: the calls go on, and so does this one (the request waits for a coordinator).
    Step.REQUEST_CONFIRM: Move(Step.MENU, (Prompt.REQUEST_NOT_CONFIRMED, Prompt.MENU)),
}

# Outcome of a call that ends at each step without a decision (the tenant hung up).
HUNG_UP_AT = {
    Step.MENU: Outcome.NO_KEY,
    Step.HELP: Outcome.HELP_OTHER,
    Step.STOP_CONFIRM: Outcome.OPT_OUT_UNCONFIRMED,
    Step.REQUEST_CONFIRM: Outcome.NO_KEY,
    Step.TRANSFER: Outcome.LIVE_TRANSFER_MISSED,
    Step.VOICEMAIL: Outcome.VOICEMAIL,
    Step.GOODBYE: Outcome.NO_KEY,
}
