"""Recorded prompts: `<Play>` for a recorded prompt, `<Say>` for the others, and the public
route that serves the files (and nothing else)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import update

from db.models import Tenant
from tests.conftest import PUBLIC_BASE_URL
from tests.web.conftest import Twilio
from tests.web.conftest import reload
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import sentences
from voice_app.telephony import twiml
from voice_app.telephony.simulation.twiml_reader import read_twiml

AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00 recorded voice"


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, IVR_RECORDINGS_DIR=str(tmp_path / "recordings"))


@pytest.fixture
def record(settings, organisation):
    """Put a recording of `prompt` in `code` in the organisation's folder."""
    def put(code: str, prompt: Prompt, extension: str = "mp3", audio: bytes = AUDIO):
        folder = Path(settings.IVR_RECORDINGS_DIR) / organisation.slug / code
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{prompt}.{extension}").write_bytes(audio)
        return f"/voice/recordings/{organisation.slug}/{code}/{prompt}.{extension}"
    return put


@pytest.fixture(autouse=True)
def fresh_missing_log(monkeypatch):
    monkeypatch.setattr(twiml, "_missing_reported", set())


def speak(veille, tenant, code: str) -> None:
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.id == tenant.id).values(language=code))


def plays(twilio) -> list[str]:
    return [play.text for play in twilio.twiml.iter("Play")]


def test_a_recorded_prompt_is_played_and_the_others_are_said(twilio, record, organisation):
    path = record("fr", Prompt.MENU)
    twilio.answer()
    read_twiml(twilio.response.get_data())  # a document Twilio accepts
    gather = twilio.twiml.find("Gather")
    assert [child.tag for child in gather][-1] == "Play", "the menu is inside the Gather: a key interrupts it"
    assert plays(twilio) == [PUBLIC_BASE_URL + path]
    said = sentences(Prompt.IDENTITY, organisation_name=organisation.name) + sentences(
        Prompt.EMERGENCY, organisation_name=organisation.name)
    assert twilio.says() == said, "identity and emergency are not recorded: said"


def test_a_recording_in_another_language_is_not_played_to_a_french_speaker(veille, tenant, twilio, record):
    record("pt", Prompt.MENU)
    twilio.answer()
    assert plays(twilio) == []


def test_a_portuguese_speaker_hears_the_portuguese_recording(veille, tenant, twilio, record, organisation):
    speak(veille, tenant, "pt")
    path = record("pt", Prompt.MENU, extension="wav")
    twilio.answer()
    assert plays(twilio) == [PUBLIC_BASE_URL + path]
    portuguese = LANGUAGES["pt"]
    assert twilio.says()[0] == sentences(Prompt.IDENTITY, organisation_name=organisation.name,
                                         language=portuguese)[0]


@pytest.mark.parametrize("code", list(LANGUAGES))
@pytest.mark.parametrize("keys", [("1",), ("2", "1"), ("0",), ("9", "9"), ("*", "1")])
def test_every_language_passes_the_conformance_check_with_recordings(veille, tenant, twilio, attempt, record,
                                                                     code, keys):
    speak(veille, tenant, code)
    for prompt in (Prompt.IDENTITY, Prompt.MENU, Prompt.HELP_QUESTION, Prompt.CONFIRM_HEALTH,
                   Prompt.STOP_QUESTION, Prompt.NOBODY_AVAILABLE):
        record(code, prompt)
    twilio.answer()
    read_twiml(twilio.response.get_data())
    assert len(plays(twilio)) == 2
    for digit in keys:
        twilio.press(digit)
        read_twiml(twilio.response.get_data())
    assert reload(veille, attempt).outcome is not None


def test_a_missing_recording_is_said_and_logged_once_per_process(make_attempt, client, record, caplog):
    record("fr", Prompt.MENU)
    caplog.set_level("WARNING", logger="veille.ivr")
    for _ in range(2):
        attempt = make_attempt()
        Twilio(client, attempt.token, attempt.provider_call_id).answer()
    missing = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ivr.recording_missing")]
    assert sorted(missing) == [
        "ivr.recording_missing organisation=habitat-test language=fr prompt=emergency",
        "ivr.recording_missing organisation=habitat-test language=fr prompt=identity",
    ]


def test_an_organisation_without_a_recordings_folder_is_all_synthetic_and_logs_nothing(twilio, caplog):
    caplog.set_level("WARNING", logger="veille.ivr")
    twilio.answer()
    assert plays(twilio) == [] and twilio.says()
    assert not [r for r in caplog.records if "recording_missing" in r.getMessage()]


def test_the_route_serves_a_recording_without_a_signature_with_cache_headers(client, record):
    path = record("fr", Prompt.MENU)
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.data == AUDIO
        assert response.mimetype == "audio/mpeg"
        cache = response.headers["Cache-Control"]
        assert "public" in cache and "max-age=3600" in cache
        etag = response.headers["ETag"]
    with client.get(path, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/voice/recordings/habitat-test/fr/../../../etc/passwd",
    "/voice/recordings/habitat-test/fr/..%2F..%2Fsecret.mp3",
    "/voice/recordings/habitat-test/fr/%2e%2e",
    "/voice/recordings/habitat-test/../fr/menu.mp3",
    "/voice/recordings/..%2Fhabitat-test/fr/menu.mp3",
    "/voice/recordings/habitat-test/fr/secret.mp3",  # not a prompt id
    "/voice/recordings/habitat-test/fr/menu.ogg",  # not a format the script plays
    "/voice/recordings/habitat-test/fr/menu.mp3.bak",
    "/voice/recordings/habitat-test/tr/menu.mp3",  # not a language of the script
    "/voice/recordings/habitat-test/FR/menu.mp3",
    "/voice/recordings/Habitat_Test/fr/menu.mp3",  # not a slug
    "/voice/recordings/habitat-test/fr/help_question.mp3",  # not recorded
    "/voice/recordings/other-landlord/fr/menu.mp3",
])
def test_the_route_refuses_anything_but_a_recorded_prompt(client, record, settings, path):
    record("fr", Prompt.MENU)
    root = Path(settings.IVR_RECORDINGS_DIR)
    (root / "habitat-test" / "fr" / "secret.mp3").write_bytes(b"not a prompt")
    (root / "habitat-test" / "fr" / "menu.mp3.bak").write_bytes(b"old")
    (root / "secret.mp3").write_bytes(b"outside")
    with client.get(path) as response:
        assert response.status_code == 404
