"""The words of the call, as data a coordinator can review in one place (DESIGN §5).

French is the default and complete; other languages (voice_app.domain.ivr_languages) give
the same prompts in their words, and any prompt a language lacks is said in French.
`FRENCH_BY_DESIGN` lists the prompts that are only ever French.

Speech is slow and short, one idea per sentence: every prompt is a tuple of sentences and
each sentence is spoken on its own. `{bailleur}` is the organisation's name and `{numero}`
the number to call back; nothing else is ever filled in (never a tenant's name or answer).

The menus map keys (and a few spoken words) to choices. A key that is not on a menu maps to
nothing, and the call flow repeats the question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from types import ModuleType

from voice_app.domain.ivr_languages import ar
from voice_app.domain.ivr_languages import en
from voice_app.domain.ivr_languages import es
from voice_app.domain.ivr_languages import pt

LANGUAGE = "fr-FR"
DEFAULT_LANGUAGE = "fr"
GATHER_TIMEOUT_SECONDS = 8
REPEAT_KEY = "*"  # replays the current question, at any step


class Step(StrEnum):
    """Where the tenant is in the call (stored as CallAttempt.menu_step)."""

    MENU = "menu"  # the main question
    HELP = "help"  # 2 was pressed: what kind of help?
    STOP_CONFIRM = "stop_confirm"  # 9 was pressed: press 9 again to confirm
    # An outbound call to a tenant whose inbound call asked to stop: press 9 to confirm.
    REQUEST_CONFIRM = "request_confirm"
    TRANSFER = "transfer"  # 0 was pressed: ringing the volunteers on duty
    GOODBYE = "goodbye"  # the outcome is known; the last words are said
    VOICEMAIL = "voicemail"  # an answering machine took the call


class Choice(StrEnum):
    ALL_WELL = "all_well"
    NEED_HELP = "need_help"
    TALK_NOW = "talk_now"
    STOP = "stop"
    HEALTH = "health"
    FOOD = "food"
    OTHER = "other"
    STOP_CONFIRMED = "stop_confirmed"
    STOP_CANCELLED = "stop_cancelled"


@dataclass(frozen=True)
class Menu:
    keys: dict[str, Choice]
    words: dict[str, Choice] = field(default_factory=dict)


# Words are matched after lower-casing and removing accents. When a sentence holds several
# known words, the first choice in the menu's `words` order wins: "oui, j'ai besoin d'aide"
# is a request for help, never an "all is well".
MENUS = {
    Step.MENU: Menu(
        keys={"1": Choice.ALL_WELL, "2": Choice.NEED_HELP, "0": Choice.TALK_NOW, "9": Choice.STOP},
        words={"aide": Choice.NEED_HELP, "aidez": Choice.NEED_HELP, "secours": Choice.NEED_HELP,
               "oui": Choice.ALL_WELL},
    ),
    Step.HELP: Menu(
        keys={"1": Choice.HEALTH, "2": Choice.FOOD, "3": Choice.OTHER},
        words={"sante": Choice.HEALTH, "medecin": Choice.HEALTH, "courses": Choice.FOOD,
               "repas": Choice.FOOD, "manger": Choice.FOOD, "autre": Choice.OTHER},
    ),
    # Stopping the calls is never done on a misheard word: keys only.
    Step.STOP_CONFIRM: Menu(keys={"9": Choice.STOP_CONFIRMED, "1": Choice.STOP_CANCELLED}),
    Step.REQUEST_CONFIRM: Menu(keys={"9": Choice.STOP_CONFIRMED, "1": Choice.STOP_CANCELLED}),
}

HINTS = {
    Step.MENU: "oui, aide",
    Step.HELP: "santé, médecin, courses, repas, autre",
    Step.STOP_CONFIRM: "",
    Step.REQUEST_CONFIRM: "",
}


class Prompt(StrEnum):
    IDENTITY = "identity"
    EMERGENCY = "emergency"
    MENU = "menu"
    NOT_HEARD = "not_heard"
    NOT_UNDERSTOOD = "not_understood"
    CONFIRM_ALL_WELL = "confirm_all_well"
    CONFIRM_NEED_HELP = "confirm_need_help"
    HELP_QUESTION = "help_question"
    CONFIRM_HEALTH = "confirm_health"
    CONFIRM_FOOD = "confirm_food"
    CONFIRM_OTHER = "confirm_other"
    HELP_NO_ANSWER = "help_no_answer"
    CONFIRM_TALK_NOW = "confirm_talk_now"
    NOBODY_AVAILABLE = "nobody_available"
    TRANSFER_MISSED = "transfer_missed"
    STOP_QUESTION = "stop_question"
    CONFIRM_STOP = "confirm_stop"
    STOP_REQUEST_NOTED = "stop_request_noted"
    REQUEST_QUESTION = "request_question"
    REQUEST_NOT_CONFIRMED = "request_not_confirmed"
    STOP_CANCELLED = "stop_cancelled"
    STOP_NOT_CONFIRMED = "stop_not_confirmed"
    NO_KEY = "no_key"
    GOODBYE = "goodbye"
    VOICEMAIL_MESSAGE = "voicemail_message"
    SCREENING = "screening"
    UNKNOWN_CALL = "unknown_call"
    TECHNICAL_PROBLEM = "technical_problem"
    CALL_AGAIN_LATER = "call_again_later"


PROMPTS: dict[Prompt, tuple[str, ...]] = {
    Prompt.IDENTITY: ("Bonjour, ici Veille, le service de prise de nouvelles de {bailleur}.",),
    Prompt.EMERGENCY: ("En cas d'urgence, raccrochez et appelez le 15 ou le 112.",),
    Prompt.MENU: (
        "Si tout va bien, tapez 1, ou dites oui.",
        "Si vous avez besoin d'aide, tapez 2, ou dites aide.",
        "Pour parler à quelqu'un maintenant, tapez 0.",
        "Pour ne plus recevoir ces appels, tapez 9.",
        "Pour réécouter, tapez étoile.",
    ),
    Prompt.NOT_HEARD: ("Je n'ai pas entendu votre réponse.", "Je répète."),
    Prompt.NOT_UNDERSTOOD: ("Ce choix n'existe pas.", "Je répète."),
    Prompt.CONFIRM_ALL_WELL: ("Vous avez répondu : tout va bien.", "Merci, et bonne journée."),
    Prompt.CONFIRM_NEED_HELP: ("Vous avez répondu : j'ai besoin d'aide.",),
    Prompt.HELP_QUESTION: (
        "Pour votre santé, tapez 1.",
        "Pour les repas ou les courses, tapez 2.",
        "Pour autre chose, le logement, l'argent, ou si vous vous sentez seul, tapez 3.",
    ),
    Prompt.CONFIRM_HEALTH: ("Vous avez répondu : ma santé.", "Un bénévole vous rappellera très vite."),
    Prompt.CONFIRM_FOOD: ("Vous avez répondu : les repas ou les courses.",
                          "Un bénévole vous rappellera aujourd'hui."),
    Prompt.CONFIRM_OTHER: ("Vous avez répondu : autre chose.", "Un bénévole vous rappellera aujourd'hui."),
    Prompt.HELP_NO_ANSWER: ("Votre demande d'aide est bien notée.",
                            "Un bénévole vous rappellera aujourd'hui."),
    Prompt.CONFIRM_TALK_NOW: ("Vous avez demandé à parler à quelqu'un.",
                              "Je cherche un bénévole. Restez en ligne, s'il vous plaît."),
    Prompt.NOBODY_AVAILABLE: ("Aucun bénévole n'est disponible pour le moment.",
                              "Un bénévole vous rappellera très vite."),
    Prompt.TRANSFER_MISSED: ("Aucun bénévole n'a pu répondre.", "Un bénévole vous rappellera très vite."),
    Prompt.STOP_QUESTION: (
        "Vous avez demandé à ne plus recevoir ces appels.",
        "Pour confirmer, tapez 9 à nouveau.",
        "Pour continuer à recevoir les appels, tapez 1.",
    ),
    Prompt.CONFIRM_STOP: ("C'est noté : nous ne vous appellerons plus.",
                          "Vous pouvez toujours nous appeler si vous changez d'avis."),
    # 9 then 9 on a call to the service number: caller id proves nothing, so this is a request,
    # confirmed on our next call to the number on file. The same words for every caller.
    Prompt.STOP_REQUEST_NOTED: ("Votre demande est bien notée.",
                                "Nous vous rappellerons pour la confirmer."),
    Prompt.REQUEST_QUESTION: (
        "Vous avez demandé à ne plus être appelé.",
        "Pour confirmer, tapez 9.",
        "Pour continuer à recevoir les appels, tapez 1.",
    ),
    Prompt.REQUEST_NOT_CONFIRMED: ("Vous n'avez pas confirmé.", "Les appels continuent."),
    Prompt.STOP_CANCELLED: ("D'accord, les appels continuent.",),
    Prompt.STOP_NOT_CONFIRMED: ("Vous n'avez pas confirmé.", "Les appels continuent.",
                                "Un bénévole vous rappellera pour en parler."),
    Prompt.NO_KEY: ("Je n'ai pas eu de réponse.", "Un bénévole vous rappellera."),
    Prompt.GOODBYE: ("Au revoir.",),
    Prompt.VOICEMAIL_MESSAGE: (
        "Bonjour, ici Veille, le service de prise de nouvelles de {bailleur}.",
        "Nous avons essayé de vous joindre pour prendre de vos nouvelles.",
        "Vous pouvez nous rappeler au {numero}.",
        "Je répète : {numero}.",
        "En cas d'urgence, appelez le 15 ou le 112.",
        "Au revoir.",
    ),
    Prompt.SCREENING: ("Un locataire demande à parler à un bénévole.", "Tapez 1 pour prendre l'appel."),
    Prompt.UNKNOWN_CALL: ("Nous ne pouvons pas donner suite à cet appel.", "Au revoir."),
    Prompt.TECHNICAL_PROBLEM: (
        "Nous rencontrons un problème technique.",
        "Un bénévole vous rappellera.",
        "En cas d'urgence, appelez le 15 ou le 112.",
        "Au revoir.",
    ),
    # An inbound call we could not record: nobody would know to call back.
    Prompt.CALL_AGAIN_LATER: (
        "Nous rencontrons un problème technique.",
        "Merci de rappeler dans quelques minutes.",
        "En cas d'urgence, appelez le 15 ou le 112.",
        "Au revoir.",
    ),
}


# Prompts said in French whatever the tenant's language: a volunteer hears the screening question.
FRENCH_BY_DESIGN = frozenset({Prompt.SCREENING})


@dataclass(frozen=True)
class Language:
    """One language of the script: how it is spoken, heard, and what it says."""

    code: str  # the tenant file's code: fr, ar, pt...
    name: str  # in French, for coordinators
    say_language: str  # <Say language=...>
    speech_language: str  # <Gather language=...>: the speech recognition language
    voice: str  # the default <Say voice=...>; an organisation may choose another
    prompts: dict[str, tuple[str, ...]]
    hints: dict[str, str]
    words: dict[str, dict[str, Choice]]  # step -> spoken word -> choice


FRENCH = Language(
    "fr", "français", LANGUAGE, LANGUAGE, "Polly.Lea", {str(k): v for k, v in PROMPTS.items()},
    {str(k): v for k, v in HINTS.items()},
    {str(step): dict(menu.words) for step, menu in MENUS.items() if menu.words})


def _from_module(code: str, module: ModuleType) -> Language:
    words = {step: {_plain(word): Choice(choice) for word, choice in spoken.items()}
             for step, spoken in module.WORDS.items()}
    return Language(code, module.NAME, module.SAY_LANGUAGE, module.SPEECH_LANGUAGE, module.VOICE,
                    module.PROMPTS, module.HINTS, words)


def _plain(text: str) -> str:
    """Lower case, without accents or other combining marks (Arabic letters stay Arabic)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


LANGUAGES: dict[str, Language] = {
    "fr": FRENCH,
    **{code: _from_module(code, module) for code, module in
       (("ar", ar), ("pt", pt), ("es", es), ("en", en))},
}


def language_of(code: str | None) -> Language:
    """The script's language for a tenant file code; French when the script lacks it."""
    return LANGUAGES.get((code or "").lower(), FRENCH)


def has_language(code: str | None) -> bool:
    return (code or "").lower() in LANGUAGES


def spoken_in(prompt: Prompt, language: Language) -> Language:
    """The language `prompt` is actually said in: French when `language` lacks it."""
    return language if str(prompt) in language.prompts and prompt not in FRENCH_BY_DESIGN else FRENCH


def hints(step: Step, language: Language) -> str:
    return language.hints.get(str(step), "") if language.code != "fr" else HINTS.get(step, "")


def sentences(prompt: Prompt, *, organisation_name: str, callback_number: str | None = None,
              language: Language = FRENCH) -> list[str]:
    """The sentences of `prompt`, filled in for this organisation, in `language` (or French)."""
    spoken = spoken_number(callback_number) if callback_number else ""
    texts = spoken_in(prompt, language).prompts[str(prompt)]
    return [text.format(bailleur=organisation_name, numero=spoken) for text in texts]


def spoken_number(e164: str) -> str:
    """A French number as it is read aloud: `+33159000000` -> `01 59 00 00 00`."""
    digits = re.sub(r"\D", "", e164)
    if e164.startswith("+33") and len(digits) == 11:
        national = "0" + digits[2:]
        return " ".join(national[i:i + 2] for i in range(0, 10, 2))
    return e164


def choice_for_key(step: Step, key: str) -> Choice | None:
    """The choice a key means at `step`, or None when it is not on that menu."""
    menu = MENUS.get(step)
    return menu.keys.get(key) if menu else None


def choice_for_words(step: Step, speech: str, language: Language = FRENCH) -> Choice | None:
    """The choice a recognised sentence means at `step`, or None when no menu word is in it.
    Keys-only steps (stopping the calls) never take a word, in any language."""
    if not speech or not MENUS.get(step) or not MENUS[step].words:
        return None
    heard = set(_words(speech))
    for word, choice in language.words.get(str(step), {}).items():
        if _plain(word) in heard:
            return choice
    return None


def menu_word(step: Step, speech: str, language: Language = FRENCH) -> str | None:
    """The menu word recognised in `speech` (stored instead of the raw transcription)."""
    choice = choice_for_words(step, speech, language)
    if choice is None:
        return None
    heard = _words(speech)
    return next(word for word, meant in language.words[str(step)].items()
                if meant == choice and _plain(word) in heard)


def _words(speech: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", _plain(speech))
