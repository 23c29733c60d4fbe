"""Every language of the script, played through the simulator over HTTP: the same keys mean
the same everywhere, and the tenant hears their own language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import request

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


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, IVR_RECORDINGS_DIR=str(tmp_path / "recordings"))


def test_a_recorded_prompt_is_fetched_and_played_by_the_simulator(live, settings):
    folder = Path(settings.IVR_RECORDINGS_DIR) / "habitat-test" / "pt"
    folder.mkdir(parents=True)
    (folder / "menu.mp3").write_bytes(b"ID3 recorded menu")
    result = live.call(live.tenant("L-rec", language="pt"), Behaviour.presses("2", "1"))
    assert result.call.errors == [], result.call.errors
    assert result.attempt.outcome == "help_health"
    media = [exchange for exchange in result.call.exchanges if exchange.kind == "media"]
    assert [(m.path, m.status_code) for m in media] == [("/voice/recordings/habitat-test/pt/menu.mp3", 200)]
    assert said(Prompt.MENU, "pt")[0] not in result.call.says, "played, not said"
    assert said(Prompt.HELP_QUESTION, "pt")[0] in result.call.says, "not recorded: said"


def test_a_recording_removed_after_the_twiml_was_sent_is_skipped_and_the_call_goes_on(live, settings):
    folder = Path(settings.IVR_RECORDINGS_DIR) / "habitat-test" / "fr"
    folder.mkdir(parents=True)
    (folder / "menu.mp3").write_bytes(b"ID3 recorded menu")

    @live.app.after_request
    def remove_once_answered(response):
        if request.endpoint == "voice.answer":
            (folder / "menu.mp3").unlink()
        return response

    result = live.call(live.tenant("L-gone"), Behaviour.presses("1"))
    assert result.attempt.outcome == "ok"
    assert ("/voice/recordings/habitat-test/fr/menu.mp3", 404) in [
        (exchange.path, exchange.status_code) for exchange in result.call.exchanges]
