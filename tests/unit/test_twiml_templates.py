"""TwiML built once per step, organisation, language and turn is the TwiML built for the call."""

from __future__ import annotations

import itertools

import pytest

from voice_app.domain.call_flow import Reply
from voice_app.domain.call_flow import Then
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import MENUS
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_voice import Recordings
from voice_app.domain.ivr_voice import Voicing
from voice_app.telephony import twiml

TOKENS = ("tok-A_1", "x" * 43, "Zz9-_")
REPLIES = [
    *(Reply((Prompt.IDENTITY, Prompt.EMERGENCY, Prompt.MENU), Then.GATHER, step, slow)
      for step in MENUS for slow in (False, True)),
    Reply((Prompt.CONFIRM_ALL_WELL, Prompt.GOODBYE), Then.HANG_UP, Step.GOODBYE),
    Reply((Prompt.NO_KEY,), Then.HANG_UP, None, True),
    Reply((Prompt.CONFIRM_TALK_NOW,), Then.DIAL, Step.TRANSFER),
]
RECORDED = Recordings("habitat-test", "/voice/recordings/habitat-test",
                      frozenset({"fr/menu.mp3", "pt/identity.wav", "fr/goodbye.mp3"}))
VOICINGS = (Voicing(), Voicing(70, (("fr", "Polly.Lea"),)), Voicing(recordings=RECORDED))
NAMES = ("Paris Habitat", 'Bailleur "Les Lilas" & <Fils>')


def renderings(token: str):
    for language, voicing, name, turn, numbers in itertools.product(
            ("fr", "pt", "ar"), VOICINGS, NAMES, (1, 3), ((), ("+33612345678", "+33698765432"))):
        yield twiml.Rendering("https://veille.example/", token, name, turn, "+33180000000", numbers,
                              "+33180000001" if numbers else None, language, voicing)


@pytest.mark.parametrize("reply", REPLIES, ids=str)
def test_the_templated_twiml_is_byte_for_byte_the_twiml_built_for_the_call(reply):
    for token in TOKENS:  # the first call of a step builds its template, the next ones reuse it
        for rendering in renderings(token):
            assert twiml.render(reply, rendering) == twiml.build(reply, rendering)


def test_each_call_hears_its_own_urls():
    reply = Reply((Prompt.MENU,), Then.GATHER, Step.MENU)
    first, second = (twiml.render(reply, twiml.Rendering("https://v.example", token, "Habitat", 2))
                     for token in ("first-call", "second-call"))
    assert "/voice/calls/first-call/gather/menu?turn=2" in first
    assert "/voice/calls/second-call/gather/menu?turn=2" in second
    assert "first-call" not in second


def test_a_token_xml_would_escape_is_built_as_it_is():
    reply = Reply((Prompt.MENU,), Then.GATHER, Step.MENU)
    rendering = twiml.Rendering("https://v.example", "a&b<c", "Habitat")
    assert twiml.render(reply, rendering) == twiml.build(reply, rendering)
    assert "a&amp;b&lt;c" in twiml.render(reply, rendering)


def test_every_language_of_the_script_is_templated_alike():
    reply = Reply((Prompt.IDENTITY, Prompt.MENU), Then.GATHER, Step.MENU)
    for code in LANGUAGES:
        rendering = twiml.Rendering("https://v.example", "call-token", "Habitat", language=code)
        assert twiml.render(reply, rendering) == twiml.build(reply, rendering)
