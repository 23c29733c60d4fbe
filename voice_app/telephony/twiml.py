"""The only TwiML builder: turns the call flow's `Reply` into Twilio's XML with VoiceResponse.

Only standard verbs: Say, Play, Pause, Gather (action + POST), Redirect, Dial with an action
and Number nouns with a screening url, Hangup. A prompt the organisation has recorded in the
language it is spoken in is one Play of the file's absolute URL (served by the web process);
a prompt not recorded while the organisation has recordings is said, and logged once per
process (`ivr.recording_missing`). Every other sentence is its own Say in the tenant's
language (French when the script lacks it), inside the Gather so a key interrupts it, at the
organisation's pace: an SSML <prosody rate> for voices that read SSML, a Pause after each
sentence for the others. When a Gather hears nothing, Twilio moves to the next verb: a
Redirect to the same action URL, so silence reaches the call flow as a request without
Digits.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache

from twilio.twiml.voice_response import VoiceResponse

from voice_app.domain.call_flow import Reply
from voice_app.domain.call_flow import Then
from voice_app.domain.ivr_script import DEFAULT_LANGUAGE
from voice_app.domain.ivr_script import GATHER_TIMEOUT_SECONDS
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import hints
from voice_app.domain.ivr_script import language_of
from voice_app.domain.ivr_script import sentences
from voice_app.domain.ivr_script import spoken_in
from voice_app.domain.ivr_voice import Voicing
from voice_app.domain.ivr_voice import reads_ssml
from voice_app.domain.webhook_urls import absolute
from voice_app.domain.webhook_urls import dial_action_path
from voice_app.domain.webhook_urls import gather_path
from voice_app.domain.webhook_urls import screening_answer_path
from voice_app.domain.webhook_urls import screening_path

log = logging.getLogger("veille.ivr")

DIAL_TIMEOUT_SECONDS = 25
SCREENING_TIMEOUT_SECONDS = 8


@dataclass(frozen=True)
class Rendering:
    """What a reply needs to become TwiML for one call."""

    public_base_url: str
    token: str
    organisation_name: str
    turn: int = 1
    callback_number: str | None = None
    volunteer_numbers: tuple[str, ...] = ()
    caller_id: str | None = None
    language: str = DEFAULT_LANGUAGE  # the tenant file's code
    voicing: Voicing = Voicing()

    def url(self, path: str) -> str:
        return absolute(self.public_base_url, path)


def render(reply: Reply, rendering: Rendering) -> str:
    """TwiML for `reply`: the same bytes as `build(reply, rendering)`, built once per step,
    organisation, language and turn and then only given the call's token."""
    if not URL_SAFE_TOKEN.match(rendering.token):
        return build(reply, rendering)  # a token XML would escape: built as it is
    template = _template(reply, replace(rendering, token=TOKEN_STAND_IN))
    if rendering.voicing.recordings is not None:
        _report_missing_recordings(reply.prompts, rendering)  # as building it would have
    return template.replace(TOKEN_STAND_IN, rendering.token)


# The token enters the TwiML only through the URLs, where a token of these characters is
# written as it is. The stand-in is secret to this process, so no name or number can hold it.
URL_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
TOKEN_STAND_IN = f"standin{secrets.token_hex(16)}"
TEMPLATES_KEPT = 4096  # steps x languages x organisations x turns in use: a few hundred


@lru_cache(maxsize=TEMPLATES_KEPT)
def _template(reply: Reply, rendering: Rendering) -> str:
    return build(reply, rendering)


def build(reply: Reply, rendering: Rendering) -> str:
    """TwiML for `reply`, built with VoiceResponse."""
    response = VoiceResponse()
    if reply.then == Then.GATHER:
        _gather(response, reply, rendering)
        return str(response)
    _say(response, reply.prompts, rendering, reply.slow)
    if reply.then == Then.DIAL:
        _dial(response, rendering)
    else:
        response.hangup()
    return str(response)


def say_and_hang_up(prompt: Prompt, organisation_name: str) -> str:
    """A polite end: an unknown call, a technical problem."""
    response = VoiceResponse()
    _say(response, (prompt,), Rendering("", "", organisation_name))
    response.hangup()
    return str(response)


def screening(rendering: Rendering) -> str:
    """What a volunteer hears on answering: press 1 to take the call, else this leg hangs up,
    so a volunteer's voicemail never takes a tenant's call."""
    response = VoiceResponse()
    action = rendering.url(screening_answer_path(rendering.token))
    gather = response.gather(input="dtmf", num_digits=1, timeout=SCREENING_TIMEOUT_SECONDS,
                             action=action, method="POST")
    for _ in range(2):
        _say(gather, (Prompt.SCREENING,), rendering)
    response.hangup()
    return str(response)


def connect() -> str:
    """An empty document: the screened volunteer is connected to the tenant."""
    return EMPTY_DOCUMENT


EMPTY_DOCUMENT = str(VoiceResponse())


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def _gather(response: VoiceResponse, reply: Reply, rendering: Rendering) -> None:
    action = rendering.url(gather_path(rendering.token, str(reply.step), rendering.turn))
    language = language_of(rendering.language)
    options = {"hints": hints(reply.step, language)} if hints(reply.step, language) else {}
    # No finishOnKey: # and * are keys like the others (not on the menu: the question again),
    # rather than an empty answer taken for silence.
    gather = response.gather(input="dtmf speech", action=action, method="POST", num_digits=1,
                             finish_on_key="", timeout=GATHER_TIMEOUT_SECONDS, speech_timeout="auto",
                             language=language.speech_language, **options)
    _say(gather, reply.prompts, rendering, reply.slow)
    response.redirect(action, method="POST")


def _dial(response: VoiceResponse, rendering: Rendering) -> None:
    action = rendering.url(dial_action_path(rendering.token))
    if not rendering.volunteer_numbers:  # went off duty meanwhile: a missed transfer, not a silent line
        response.redirect(action, method="POST")
        return
    options = {"caller_id": rendering.caller_id} if rendering.caller_id else {}
    dial = response.dial(action=action, method="POST",
                         timeout=DIAL_TIMEOUT_SECONDS, **options)
    screen = rendering.url(screening_path(rendering.token))
    for number in rendering.volunteer_numbers:
        dial.number(number, url=screen, method="POST")


def _say(verb, prompts: tuple[Prompt, ...], rendering: Rendering, slow: bool = False) -> None:
    wanted = language_of(rendering.language)
    for prompt in prompts:
        language = spoken_in(prompt, wanted)
        recording = _recording(rendering, language.code, prompt)
        if recording is not None:
            verb.play(rendering.url(recording))
            continue
        voice = rendering.voicing.voice(language.code, language.voice)
        for sentence in sentences(prompt, organisation_name=rendering.organisation_name,
                                  callback_number=rendering.callback_number, language=language):
            if reads_ssml(voice):
                say = verb.say(voice=voice, language=language.say_language)
                say.prosody(sentence, rate=rendering.voicing.rate(slow))
            else:
                verb.say(sentence, voice=voice, language=language.say_language)
                verb.pause(length=rendering.voicing.pause_seconds(slow))


_missing_reported: set[tuple[str, str, str]] = set()
_missing_lock = threading.Lock()


def _recording(rendering: Rendering, code: str, prompt: Prompt) -> str | None:
    """The URL path of the prompt's recording, or None (said instead; a prompt missing from an
    organisation's recordings is logged the first time this process meets it)."""
    recordings = rendering.voicing.recordings
    if recordings is None:
        return None
    path = recordings.path(code, str(prompt))
    if path is None:
        key = (recordings.organisation, code, str(prompt))
        with _missing_lock:
            first = key not in _missing_reported
            _missing_reported.add(key)
        if first:
            log.warning("ivr.recording_missing organisation=%s language=%s prompt=%s",
                     recordings.organisation, code, prompt)
    return path


def _report_missing_recordings(prompts: tuple[Prompt, ...], rendering: Rendering) -> None:
    wanted = language_of(rendering.language)
    for prompt in prompts:
        _recording(rendering, spoken_in(prompt, wanted).code, prompt)
