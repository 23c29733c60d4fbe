"""The IVR script: prompts in every language, menus and recognised words."""

from __future__ import annotations

import re

import pytest

from voice_app.domain.ivr_script import FRENCH_BY_DESIGN
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import MENUS
from voice_app.domain.ivr_script import PROMPTS
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_script import choice_for_key
from voice_app.domain.ivr_script import choice_for_words
from voice_app.domain.ivr_script import language_of
from voice_app.domain.ivr_script import menu_word
from voice_app.domain.ivr_script import sentences
from voice_app.domain.ivr_script import spoken_in
from voice_app.domain.ivr_script import spoken_number


def test_the_identity_line_names_the_organisation():
    assert sentences(Prompt.IDENTITY, organisation_name="Paris Habitat") == [
        "Bonjour, ici Veille, le service de prise de nouvelles de Paris Habitat."]


def test_the_emergency_line_gives_15_and_112():
    assert sentences(Prompt.EMERGENCY, organisation_name="x") == [
        "En cas d'urgence, raccrochez et appelez le 15 ou le 112."]


def test_the_menu_offers_four_choices_in_order():
    menu = " ".join(sentences(Prompt.MENU, organisation_name="x"))
    positions = [menu.index(f"tapez {key}") for key in ("1", "2", "0", "9")]
    assert positions == sorted(positions)
    assert "dites oui" in menu and "dites aide" in menu


def test_the_voicemail_message_says_the_number_to_call_back_twice():
    text = " ".join(sentences(Prompt.VOICEMAIL_MESSAGE, organisation_name="RIVP",
                              callback_number="+33159000000"))
    assert text.count("01 59 00 00 00") == 2 and "RIVP" in text and "112" in text


def test_the_screening_question_asks_the_volunteer_to_press_1():
    assert sentences(Prompt.SCREENING, organisation_name="x") == [
        "Un locataire demande à parler à un bénévole.", "Tapez 1 pour prendre l'appel."]


def test_sentences_are_short_enough_to_be_followed():
    assert max(len(text) for prompt in PROMPTS.values() for text in prompt) <= 90


def test_every_prompt_has_its_text():
    assert set(PROMPTS) == set(Prompt)


@pytest.mark.parametrize(("step", "key", "choice"), [
    (Step.MENU, "1", Choice.ALL_WELL), (Step.MENU, "2", Choice.NEED_HELP), (Step.MENU, "0", Choice.TALK_NOW),
    (Step.MENU, "9", Choice.STOP), (Step.MENU, "5", None), (Step.MENU, "#", None),
    (Step.HELP, "1", Choice.HEALTH), (Step.HELP, "2", Choice.FOOD), (Step.HELP, "3", Choice.OTHER),
    (Step.HELP, "9", None), (Step.STOP_CONFIRM, "9", Choice.STOP_CONFIRMED),
    (Step.STOP_CONFIRM, "1", Choice.STOP_CANCELLED), (Step.STOP_CONFIRM, "2", None),
    (Step.GOODBYE, "1", None),
])
def test_keys_mean_the_same_at_every_call(step, key, choice):
    assert choice_for_key(step, key) == choice


@pytest.mark.parametrize(("speech", "choice"), [
    ("oui", Choice.ALL_WELL), ("Oui, ça va.", Choice.ALL_WELL), ("AIDE", Choice.NEED_HELP),
    ("oui, j'ai besoin d'aide", Choice.NEED_HELP), ("au secours", Choice.NEED_HELP),
    ("ouille", None), ("", None), ("non", None),
])
def test_spoken_words_in_the_menu(speech, choice):
    assert choice_for_words(Step.MENU, speech) == choice


def test_spoken_help_categories_ignore_accents():
    assert choice_for_words(Step.HELP, "ma santé") == Choice.HEALTH
    assert choice_for_words(Step.HELP, "le MÉDECIN") == Choice.HEALTH


def test_stopping_the_calls_cannot_be_confirmed_by_voice():
    assert MENUS[Step.STOP_CONFIRM].words == {}
    assert choice_for_words(Step.STOP_CONFIRM, "oui") is None


def test_the_menu_word_is_what_is_stored_of_a_sentence():
    assert menu_word(Step.MENU, "Oui j'ai besoin d'aide") == "aide"
    assert menu_word(Step.MENU, "bonjour") is None


@pytest.mark.parametrize(("number", "spoken"), [
    ("+33159000000", "01 59 00 00 00"), ("+33612345678", "06 12 34 56 78"),
    ("+262262123456", "+262262123456"),
])
def test_numbers_are_read_as_the_french_say_them(number, spoken):
    assert spoken_number(number) == spoken


# --- Languages --------------------------------------------------------------------------------

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "fr"]


def test_the_script_speaks_french_arabic_portuguese_spanish_and_english():
    assert set(LANGUAGES) == {"fr", "ar", "pt", "es", "en"}


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_prompt_exists_in_every_language_or_is_french_by_design(code):
    missing = {str(prompt) for prompt in Prompt} - set(LANGUAGES[code].prompts)
    assert missing == {str(prompt) for prompt in FRENCH_BY_DESIGN}
    assert set(LANGUAGES[code].prompts) <= {str(prompt) for prompt in Prompt}, "no prompt the call never says"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_inbound_opt_out_confirmation_is_asked_in_every_language(code):
    assert str(Prompt.REQUEST_QUESTION) in LANGUAGES[code].prompts
    assert any("9" in sentence for sentence in LANGUAGES[code].prompts["request_question"])


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("prompt", [p for p in Prompt if p not in FRENCH_BY_DESIGN])
def test_a_translation_says_the_same_numbers_and_fills_the_same_blanks(code, prompt):
    def marks(texts):
        joined = " ".join(texts)
        return sorted(re.findall(r"\d+|\{\w+\}", joined))

    assert marks(LANGUAGES[code].prompts[str(prompt)]) == marks(PROMPTS[prompt])


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_hinted_word_is_understood_in_its_language(code):
    language = LANGUAGES[code]
    for step in (Step.MENU, Step.HELP):
        hinted = [word.strip() for word in language.hints[str(step)].split(",")]
        assert hinted and all(choice_for_words(step, word, language) is not None for word in hinted), hinted


def test_a_prompt_a_language_lacks_is_said_in_french():
    assert spoken_in(Prompt.SCREENING, LANGUAGES["pt"]).code == "fr"
    assert spoken_in(Prompt.MENU, LANGUAGES["pt"]).code == "pt"
    assert [language_of(code).code for code in ("zz", None, "PT")] == ["fr", "fr", "pt"]


@pytest.mark.parametrize(("code", "speech", "choice"), [
    ("pt", "Sim, está tudo bem", Choice.ALL_WELL),
    ("pt", "preciso de ajuda", Choice.NEED_HELP),
    ("es", "Sí", Choice.ALL_WELL),
    ("en", "yes I need help", Choice.NEED_HELP),
    ("ar", "نعم", Choice.ALL_WELL),
    ("ar", "أحتاج مساعدة", Choice.NEED_HELP),
])
def test_spoken_words_in_each_language(code, speech, choice):
    assert choice_for_words(Step.MENU, speech, LANGUAGES[code]) == choice


def test_stopping_the_calls_cannot_be_confirmed_by_voice_in_any_language():
    for language in LANGUAGES.values():
        assert choice_for_words(Step.STOP_CONFIRM, "sim yes oui نعم", language) is None
