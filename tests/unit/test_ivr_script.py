"""The IVR script: French prompts, menus and recognised words."""

from __future__ import annotations

import pytest

from voice_app.domain.ivr_script import MENUS
from voice_app.domain.ivr_script import PROMPTS
from voice_app.domain.ivr_script import Choice
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_script import choice_for_key
from voice_app.domain.ivr_script import choice_for_words
from voice_app.domain.ivr_script import menu_word
from voice_app.domain.ivr_script import sentences
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
