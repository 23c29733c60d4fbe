"""Which prompt is played from a recording: a pure lookup on the organisation's files."""

from __future__ import annotations

from voice_app.domain.ivr_voice import Recordings
from voice_app.domain.ivr_voice import voicing_of

RECORDINGS = Recordings("habitat-test", "/voice/recordings/habitat-test",
                        frozenset({"fr/menu.wav", "fr/menu.mp3", "pt/goodbye.wav"}))


def test_a_recorded_prompt_has_its_url_path_mp3_first():
    assert RECORDINGS.path("fr", "menu") == "/voice/recordings/habitat-test/fr/menu.mp3"
    assert RECORDINGS.path("pt", "goodbye") == "/voice/recordings/habitat-test/pt/goodbye.wav"


def test_a_prompt_recorded_in_another_language_only_is_not_recorded():
    assert RECORDINGS.path("pt", "menu") is None
    assert RECORDINGS.path("fr", "goodbye") is None


def test_the_organisation_settings_keep_their_recordings_even_when_lenient():
    assert voicing_of({"ivr": {"pace": "lent"}}, RECORDINGS).recordings is RECORDINGS
    assert voicing_of(None, RECORDINGS).recordings is RECORDINGS
    assert voicing_of({"ivr": {"pace": 70}}).recordings is None
