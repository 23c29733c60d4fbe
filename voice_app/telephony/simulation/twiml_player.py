"""Play TwiML for one leg of a call, following Twilio's documented semantics.

- The document's verbs run in order; when they run out, Twilio hangs up.
- `<Say>`/`<Play>`/`<Pause>` take time (slow speech for older listeners). A `<Play>` fetches
  its audio file with a GET; a file that cannot be fetched is skipped (Twilio's warning 11200)
  and the call goes on.
- `<Gather>` plays its nested prompts, then waits `timeout` seconds (default 5). Input
  (`Digits`, or `SpeechResult` + `Confidence`) is posted to `action` (default: the current
  document) and the rest of the document is abandoned. No input: Twilio goes on with the
  verb after `<Gather>` (and hangs up if there is none), unless `actionOnEmptyResult="true"`,
  which posts to `action` without input.
- `<Redirect>` fetches new TwiML; `<Hangup>` ends the call; `<Reject>` refuses an unanswered
  inbound call; `<Dial>` is played by `dial.play_dial`.
- A webhook that answers non-2xx, cannot be reached, or returns invalid TwiML: Twilio requests
  the fallback URL (with `ErrorCode` and `ErrorUrl`) if there is one; otherwise it says "an
  application error has occurred" and hangs up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlsplit

from voice_app.telephony.simulation.behaviours import SILENCE
from voice_app.telephony.simulation.behaviours import Answer
from voice_app.telephony.simulation.record import Exchange
from voice_app.telephony.simulation.record import SimulatedCall
from voice_app.telephony.simulation.timeline import RedirectRequested
from voice_app.telephony.simulation.timeline import Timeline
from voice_app.telephony.simulation.twiml_reader import InvalidTwiml
from voice_app.telephony.simulation.twiml_reader import Verb
from voice_app.telephony.simulation.twiml_reader import read_twiml
from voice_app.telephony.simulation.webhooks import RefusedUrl
from voice_app.telephony.simulation.webhooks import WebhookClient

DOCUMENT_END = "document-end"
HANGUP_VERB = "hangup"
CALLEE_HANGUP = "callee-hangup"
REJECTED = "rejected"
APPLICATION_ERROR = "application-error"

WORDS_PER_SECOND = 2.2  # slow, clear French for older listeners
PLAY_SECONDS = 5.0
DEFAULT_GATHER_TIMEOUT = 5.0
MAX_LOOPS = 10  # Twilio's loop="0" repeats (nearly) forever: enough for a simulation
SPEECH_CONFIDENCE = "0.92"
APPLICATION_ERROR_TEXT = "An application error has occurred."
HTTP_RETRIEVAL_FAILURE = 11200
HTTP_CONNECTION_FAILURE = 11205


@dataclass
class Leg:
    """One party of a call as TwiML sees it: the tenant, or a volunteer being screened."""

    params: dict[str, str]  # sent with every TwiML request of this leg
    answers: deque[Answer]
    reaction_seconds: float
    verbs: list[str]
    inputs: list[str]
    says: list[str] = field(default_factory=list)
    fallback_url: str | None = None
    exchange_kind: str = "twiml"
    answered: bool = True

    def next_answer(self) -> Answer:
        return self.answers.popleft() if self.answers else SILENCE


@dataclass(frozen=True)
class Fetch:
    """Continue the call with the TwiML at `url`."""

    url: str
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Ended:
    reason: str
    detail: str = ""


class TwimlPlayer:
    """Plays documents for the legs of one call (same thread, same timeline)."""

    def __init__(self, client: WebhookClient, timeline: Timeline, record: SimulatedCall,
                 play_dial: Callable[[TwimlPlayer, Leg, Verb, str], Fetch | None]) -> None:
        self.client = client
        self.timeline = timeline
        self.record = record
        self._play_dial = play_dial

    def run(self, leg: Leg, request: Fetch, *, follow_redirects: bool = True) -> Ended:
        """Play from `request` until the leg ends; API redirects restart from their URL."""
        while True:
            try:
                return self._run_documents(leg, request)
            except RedirectRequested as redirect:
                if not follow_redirects:
                    raise
                request = Fetch(redirect.url)

    def _run_documents(self, leg: Leg, request: Fetch) -> Ended:
        while True:
            fetched = self.fetch(leg, request)
            if fetched is None:
                return Ended(APPLICATION_ERROR)
            url, verbs = fetched
            outcome = self._play_verbs(leg, verbs, url)
            if isinstance(outcome, Ended):
                return outcome
            request = outcome

    def _play_verbs(self, leg: Leg, verbs: list[Verb], document_url: str) -> Fetch | Ended:
        for verb in verbs:
            leg.verbs.append(verb.name)
            if verb.name == "Reject" and not leg.answered:
                return Ended(REJECTED, verb.attribute("reason", "rejected"))
            self._answer(leg)
            outcome = self._play_verb(leg, verb, document_url)
            if outcome is not None:
                return outcome
        return Ended(DOCUMENT_END)

    def _answer(self, leg: Leg) -> None:
        """An inbound call is answered by its first verb that is not <Reject>."""
        if not leg.answered:
            leg.answered = True
            leg.params["CallStatus"] = "in-progress"
            self.record.status = "in-progress"

    def _play_verb(self, leg: Leg, verb: Verb, document_url: str) -> Fetch | Ended | None:
        if verb.name in ("Say", "Play", "Pause"):
            self._speak(leg, verb)
            return None
        if verb.name == "Gather":
            return self._gather(leg, verb, document_url)
        if verb.name == "Redirect":
            method = verb.attribute("method", "POST")
            return self.next_request(verb.text or document_url, document_url, method)
        if verb.name == "Dial":
            return self._play_dial(self, leg, verb, document_url)
        return Ended(HANGUP_VERB)  # <Hangup>, or <Reject> on an answered call

    def _speak(self, leg: Leg, verb: Verb) -> None:
        loops = int(verb.number("loop", 1)) or MAX_LOOPS
        if verb.name == "Pause":
            self.timeline.sleep(verb.number("length", 1.0))
            return
        if verb.name == "Say":
            leg.says.append(verb.text)
            seconds = 0.5 + len(verb.text.split()) / WORDS_PER_SECOND
        elif self._fetch_media(leg, verb.text):
            seconds = PLAY_SECONDS
        else:
            return
        self.timeline.sleep(seconds * min(loops, MAX_LOOPS))

    def _fetch_media(self, leg: Leg, url: str) -> bool:
        """Whether the `<Play>` file could be fetched (the exchange is recorded as `media`)."""
        try:
            answer = self.client.fetch_media(url)
        except RefusedUrl as error:
            self.record.errors.append(str(error))
            return False
        path = urlsplit(url).path
        self.record.exchanges.append(Exchange("media", path, answer.status_code))
        if not answer.ok:
            self.record.errors.append(f"{path}: HTTP {answer.status_code} (media, skipped)")
        return answer.ok

    def _gather(self, leg: Leg, verb: Verb, document_url: str) -> Fetch | Ended | None:
        for prompt in verb.children:
            self._speak(leg, prompt)
        timeout = verb.number("timeout", DEFAULT_GATHER_TIMEOUT)
        action = verb.attribute("action") or document_url
        method = verb.attribute("method", "POST")
        answer = leg.next_answer()
        heard = answer.kind in verb.attribute("input", "dtmf").split()
        if answer.kind == "hangup":
            leg.inputs.append("hangup")
            self.timeline.sleep(leg.reaction_seconds)
            return Ended(CALLEE_HANGUP)
        if not heard or leg.reaction_seconds >= timeout:
            leg.inputs.append("silence")
            self.timeline.sleep(timeout)
            if verb.flag("actionOnEmptyResult"):
                return self.next_request(action, document_url, method)
            return None  # Twilio goes on with the verb after <Gather>
        self.timeline.sleep(leg.reaction_seconds)
        leg.inputs.append(answer.value)
        if answer.kind == "speech":
            return self.next_request(action, document_url, method,
                              {"SpeechResult": answer.value, "Confidence": SPEECH_CONFIDENCE})
        digits = self._digits(verb, answer.value)
        num_digits = int(verb.number("numDigits", 0))
        if not digits["FinishedOnKey"] and (not num_digits or len(digits["Digits"]) < num_digits):
            self.timeline.sleep(timeout)  # Twilio waits `timeout` after the last key for more
        return self.next_request(action, document_url, method, digits)

    @staticmethod
    def _digits(verb: Verb, keys: str) -> dict[str, str]:
        finish_on_key = verb.attribute("finishOnKey", "#")
        num_digits = int(verb.number("numDigits", 0))
        digits = keys
        finished_on = ""
        for index, pressed in enumerate(keys):
            if finish_on_key and pressed in finish_on_key:
                digits, finished_on = keys[:index], pressed
                break
        if num_digits:
            digits = digits[:num_digits]
        return {"Digits": digits, "FinishedOnKey": finished_on}

    def next_request(self, url: str, document_url: str, method: str,
                     params: dict | None = None) -> Fetch | Ended:
        """The request that continues the call at `url` (relative to the current document)."""
        try:
            return Fetch(self.client.resolve(url, document_url), method.upper(), params or {})
        except RefusedUrl as error:
            self.record.errors.append(str(error))
            return Ended(APPLICATION_ERROR, str(error))

    def fetch(self, leg: Leg, request: Fetch) -> tuple[str, list[Verb]] | None:
        """The verbs at `request.url`, or, on failure, at the fallback URL; None if neither."""
        verbs, error_code = self._fetch_once(leg, request)
        if verbs is not None:
            return request.url, verbs
        if leg.fallback_url and request.url != leg.fallback_url:
            fallback = Fetch(leg.fallback_url, "POST",
                             {**request.params, "ErrorCode": str(error_code), "ErrorUrl": request.url})
            verbs, _ = self._fetch_once(leg, fallback)
            if verbs is not None:
                return fallback.url, verbs
        leg.verbs.append("Say")
        leg.says.append(APPLICATION_ERROR_TEXT)
        return None

    def _fetch_once(self, leg: Leg, request: Fetch) -> tuple[list[Verb] | None, int]:
        try:
            answer = self.client.send(request.url, {**leg.params, **request.params}, request.method)
        except RefusedUrl as error:
            self.record.errors.append(str(error))
            return None, HTTP_CONNECTION_FAILURE
        self.record.exchanges.append(Exchange(leg.exchange_kind, urlsplit(request.url).path,
                                              answer.status_code))
        if answer.status_code is None:
            self.record.errors.append(f"{urlsplit(request.url).path}: unreachable")
            return None, HTTP_CONNECTION_FAILURE
        if not answer.ok:
            self.record.errors.append(f"{urlsplit(request.url).path}: HTTP {answer.status_code}")
            return None, HTTP_RETRIEVAL_FAILURE
        try:
            return read_twiml(answer.body), 0
        except InvalidTwiml as error:
            self.record.errors.append(f"{urlsplit(request.url).path}: invalid TwiML ({error})")
            return None, error.code
