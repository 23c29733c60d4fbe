"""The call in the tenant's language, at the organisation's pace, and `*` to hear it again."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from db.models import Organisation
from db.models import Tenant
from tests.web.conftest import TENANT_PHONE
from tests.web.conftest import inbound_call
from tests.web.conftest import reload
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import sentences
from voice_app.telephony.simulation.twiml_reader import read_twiml

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "fr"]


def speak(veille, tenant, code: str) -> None:
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.id == tenant.id).values(language=code))


def texts(prompt: Prompt, code: str) -> list[str]:
    return sentences(prompt, organisation_name="Habitat Test", language=LANGUAGES[code])


@pytest.fixture(autouse=True)
def organisation_name(veille, organisation):
    with veille.session_factory.begin() as session:
        session.execute(update(Organisation).where(Organisation.id == organisation.id)
                        .values(name="Habitat Test"))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_a_tenant_is_called_in_their_language(veille, tenant, twilio, code):
    speak(veille, tenant, code)
    twilio.answer()
    language = LANGUAGES[code]
    gather = twilio.twiml.find("Gather")
    assert gather.get("language") == language.speech_language
    assert all(say.get("language") == language.say_language and say.get("voice") == language.voice
               for say in gather.findall("Say"))
    intro = (Prompt.IDENTITY, Prompt.EMERGENCY, Prompt.MENU)
    assert twilio.says() == [sentence for prompt in intro for sentence in texts(prompt, code)]
    assert gather.get("hints") == (language.hints.get("menu") if code != "fr" else "oui, aide")
    assert read_twiml(twilio.response.get_data())  # the document Twilio accepts


@pytest.mark.parametrize("code", list(LANGUAGES))
@pytest.mark.parametrize(("keys", "outcome", "last"), [
    (("1",), "ok", Prompt.CONFIRM_ALL_WELL),
    (("2", "1"), "help_health", Prompt.CONFIRM_HEALTH),
    (("0",), "live_transfer_missed", Prompt.NOBODY_AVAILABLE),
    (("9", "9"), "opt_out", Prompt.CONFIRM_STOP),
])
def test_the_keys_mean_the_same_in_every_language(veille, tenant, twilio, attempt, code, keys, outcome, last):
    speak(veille, tenant, code)
    twilio.answer()
    for digit in keys:
        twilio.press(digit)
        read_twiml(twilio.response.get_data())
    assert reload(veille, attempt).outcome == outcome
    assert texts(last, code)[0] in twilio.says()


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_star_repeats_the_emergency_sentence_and_the_menu_not_as_a_try(veille, tenant, twilio, attempt, code):
    speak(veille, tenant, code)
    twilio.answer()
    twilio.press("*")
    assert twilio.says() == texts(Prompt.EMERGENCY, code) + texts(Prompt.MENU, code)
    assert reload(veille, attempt).silences == 0
    twilio.press("1")
    assert reload(veille, attempt).outcome == "ok"


def test_star_repeats_the_help_question(veille, tenant, twilio, attempt):
    twilio.answer()
    twilio.press("2")
    twilio.press("*")
    assert twilio.says() == texts(Prompt.HELP_QUESTION, "fr")
    twilio.press("1")
    assert reload(veille, attempt).outcome == "help_health"


def test_the_menu_says_once_how_to_hear_it_again(twilio):
    twilio.answer()
    said = [sentence for sentence in twilio.says() if "étoile" in sentence]
    assert said == ["Pour réécouter, tapez étoile."]


def test_an_unknown_language_is_called_in_french(veille, tenant, twilio):
    speak(veille, tenant, "zz")
    twilio.answer()
    assert twilio.twiml.find("Gather").get("language") == "fr-FR"
    assert twilio.says()[0] == texts(Prompt.IDENTITY, "fr")[0]


def test_a_known_caller_on_the_service_number_hears_french_whatever_their_language(veille, client, tenant):
    speak(veille, tenant, "pt")  # their language would tell that the number is a tenant's
    call = inbound_call(client, TENANT_PHONE)
    assert call.twiml.find("Gather").get("language") == "fr-FR"
    assert call.says()[0] == texts(Prompt.IDENTITY, "fr")[0]


def test_a_word_is_heard_in_the_tenants_language(veille, tenant, twilio, attempt):
    speak(veille, tenant, "pt")
    twilio.answer()
    twilio.say("sim, obrigado")
    assert reload(veille, attempt).outcome == "ok"


def test_the_pace_is_slower_than_the_voice_and_slower_still_after_a_silence(twilio):
    twilio.answer()
    rates = {prosody.get("rate") for prosody in twilio.twiml.iter("prosody")}
    assert rates == {"85%"}
    twilio.silence()
    assert {prosody.get("rate") for prosody in twilio.twiml.iter("prosody")} == {"70%"}
    assert texts(Prompt.MENU, "fr")[0] in twilio.says()


def test_the_organisation_sets_its_pace_and_a_voice_without_ssml_gets_pauses(veille, organisation, twilio):
    settings = {"ivr": {"pace": 90, "voices": {"fr": "woman"}}}
    with veille.session_factory.begin() as session:
        session.execute(update(Organisation).where(Organisation.id == organisation.id)
                        .values(settings=settings))
    twilio.answer()
    gather = twilio.twiml.find("Gather")
    assert {say.get("voice") for say in gather.findall("Say")} == {"woman"}
    assert list(gather.iter("prosody")) == []
    assert len(gather.findall("Pause")) == len(gather.findall("Say"))
    read_twiml(twilio.response.get_data())


@pytest.mark.parametrize("pace", [3, "lent", True, 400])
def test_a_pace_that_makes_no_sense_is_the_default(veille, organisation, twilio, pace):
    with veille.session_factory.begin() as session:
        session.execute(update(Organisation).where(Organisation.id == organisation.id)
                        .values(settings={"ivr": {"pace": pace}}))
    twilio.answer()
    assert {prosody.get("rate") for prosody in twilio.twiml.iter("prosody")} == {"85%"}
