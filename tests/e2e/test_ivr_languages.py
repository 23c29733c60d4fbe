"""Every language of the script, played through the simulator over HTTP: the same keys mean
the same everywhere, and the tenant hears their own language."""

from __future__ import annotations

import pytest

from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import sentences
from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP

SCENARIOS = [
    (("1",), "ok", [("menu", "all_well")], Prompt.CONFIRM_ALL_WELL),
    (("2", "1"), "help_health", [("menu", "need_help"), ("help", "health")], Prompt.CONFIRM_HEALTH),
    (("0",), "live_transfer_missed", [("menu", "talk_now")], Prompt.NOBODY_AVAILABLE),
    (("9", "9"), "opt_out", [("menu", "stop"), ("stop_confirm", "stop_confirmed")], Prompt.CONFIRM_STOP),
    (("9",), "opt_out_unconfirmed", [("menu", "stop")], Prompt.STOP_NOT_CONFIRMED),
    (("*", "1"), "ok", [("menu", "all_well")], Prompt.CONFIRM_ALL_WELL),
]


def said(prompt: Prompt, code: str) -> list[str]:
    return sentences(prompt, organisation_name="Habitat Test", language=LANGUAGES[code])


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_each_language_plays_the_whole_menu(live, code):
    for number, (keys, outcome, meanings, last) in enumerate(SCENARIOS):
        result = live.call(live.tenant(f"L-{code}-{number}", language=code), Behaviour.presses(*keys))
        assert result.call.errors == [], result.call.errors
        assert result.attempt.outcome == outcome, keys
        assert [(step, meaning) for step, _, meaning in result.responses] == meanings
        assert result.call.says[0] == said(Prompt.IDENTITY, code)[0]
        assert said(last, code)[0] in result.call.says, keys
        if keys[0] == "*":  # the emergency sentence and the menu again, then the answer
            assert result.call.says.count(said(Prompt.EMERGENCY, code)[0]) == 2
