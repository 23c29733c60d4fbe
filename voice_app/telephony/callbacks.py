"""Twilio's webhook forms turned into call-flow events, each with its idempotency key.

A retried webhook carries the same parameters, so it gets the same key and is stored once.
The key never holds a phone number, and neither does `detail` (stored as the CallEvent):
a spoken answer is kept as the menu word it contained, never as the transcription.
Values are strict: a `CallStatus`, `AnsweredBy` or `DialCallStatus` outside Twilio's
documented values is stored as `other` (never verbatim) and gives `event=None`: recorded,
changes nothing. A `SequenceNumber` that is not a short run of ASCII digits is dropped, and a
caller id that is not an E.164 number is a withheld one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from voice_app.domain.call_flow import Answered
from voice_app.domain.call_flow import AnsweredByHuman
from voice_app.domain.call_flow import AnsweredByMachine
from voice_app.domain.call_flow import Dialled
from voice_app.domain.call_flow import DialResult
from voice_app.domain.call_flow import Event
from voice_app.domain.call_flow import KeyPressed
from voice_app.domain.call_flow import NoInput
from voice_app.domain.call_flow import Ringing
from voice_app.domain.call_flow import WordRecognised
from voice_app.domain.callback import Callback
from voice_app.domain.callback import callback_key
from voice_app.domain.callback import final_status
from voice_app.domain.ivr_script import MENUS
from voice_app.domain.ivr_script import Step
from voice_app.domain.ivr_script import menu_word
from voice_app.domain.provider import DIAL_STATUSES
from voice_app.domain.provider import FINAL_STATUSES
from voice_app.domain.provider import CallStatus

__all__ = ["Callback", "amd", "answer", "caller_number", "dial", "form_field", "gather",
           "status"]

MAX_FIELD_LENGTH = 64
VALID_KEY = re.compile(r"^[0-9*#]$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
GATHER_STEPS = frozenset(MENUS)  # the steps that ask a question

STATUS_EVENTS = {
    CallStatus.QUEUED: Dialled,
    CallStatus.INITIATED: Ringing,
    CallStatus.RINGING: Ringing,
    CallStatus.IN_PROGRESS: Answered,
    CallStatus.ANSWERED: Answered,
}
HUMAN_VERDICTS = frozenset({"human", "unknown"})
MACHINE_VERDICTS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence",
                              "machine_end_other", "fax"})
OTHER = "other"  # what an undocumented value is stored as
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_SEQUENCE_DIGITS = 10


def answer(form: Mapping[str, str]) -> Callback:
    sid = form_field(form, "CallSid")
    return Callback("answer", callback_key("answer", sid), Answered(), sid)


def status(form: Mapping[str, str]) -> Callback:
    sid, value = form_field(form, "CallSid"), form_field(form, "CallStatus").lower()
    sequence = _sequence(form_field(form, "SequenceNumber"))
    if value in FINAL_STATUSES:
        return final_status(sid, CallStatus(value), sequence)
    if value in STATUS_EVENTS:
        event: Event | None = STATUS_EVENTS[CallStatus(value)]()
    else:
        event, value = None, OTHER
    detail = {"status": value, "sequence": sequence, "known": event is not None}
    return Callback("status", callback_key("status", sid, value, sequence), event, sid, detail)


def amd(form: Mapping[str, str]) -> Callback:
    sid, verdict = form_field(form, "CallSid"), form_field(form, "AnsweredBy").lower()
    if verdict in HUMAN_VERDICTS:
        event: Event | None = AnsweredByHuman()
    elif verdict in MACHINE_VERDICTS:
        event = AnsweredByMachine(verdict)
    else:
        event, verdict = None, OTHER
    detail = {"answered_by": verdict, "known": event is not None}
    return Callback("amd", callback_key("amd", sid, verdict), event, sid, detail)


def gather(form: Mapping[str, str], step_name: str, turn_text: str | None) -> Callback:
    """A Gather's action (or the Redirect after it, on silence) for `step_name`, at `turn`."""
    sid = form_field(form, "CallSid")
    step_name = CONTROL_CHARACTERS.sub("", step_name)[:MAX_FIELD_LENGTH]
    turn = _small_number(turn_text)
    digits, speech = form_field(form, "Digits"), form_field(form, "SpeechResult", 500)
    step = Step(step_name) if step_name in GATHER_STEPS else None
    detail: dict = {"step": step_name[:24], "turn": turn}
    if step is None or turn is None:
        event: Event | None = None
    elif digits:
        key = digits if VALID_KEY.match(digits) else "?"  # garbage is a key not on the menu
        event, detail["digits"] = KeyPressed(step, key), key
    elif speech.strip():
        event, detail["word"] = WordRecognised(step, speech), menu_word(step, speech)
    else:
        event = NoInput(step)
    given = detail.get("digits") or detail.get("word") or ""
    key = callback_key("gather", sid, step_name, str(turn), given)
    return Callback("gather", key, event, sid, detail, turn)


def dial(form: Mapping[str, str]) -> Callback:
    """The live transfer ended: DialCallStatus says whether someone was connected."""
    sid, value = form_field(form, "CallSid"), form_field(form, "DialCallStatus").lower()
    value = value if value in DIAL_STATUSES else OTHER  # nobody known to be connected: missed
    leg = form_field(form, "DialCallSid")
    key = callback_key("dial", sid, leg, value)
    return Callback("dial", key, DialResult(value), sid, {"dial_status": value})


def caller_number(form: Mapping[str, str]) -> str:
    """The inbound caller's number in E.164, or "" when withheld or not a phone number
    (`anonymous`, `Restricted`, garbage): such a caller is never matched to a tenant."""
    caller = form_field(form, "From", 20)
    return caller if E164.match(caller) else ""


def _sequence(text: str) -> str:
    """Twilio's SequenceNumber (0, 1, 2...), or "" for anything else."""
    if len(text) > MAX_SEQUENCE_DIGITS or not (text.isascii() and text.isdigit()):
        return ""
    return str(int(text))


def _small_number(text: str | None) -> int | None:
    """A short run of ASCII digits as an int; anything else (including "²" or "٣", which
    str.isdigit accepts and int() does not, or does differently) is None."""
    if not text or len(text) >= 6 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def form_field(form: Mapping[str, str], name: str, limit: int = MAX_FIELD_LENGTH) -> str:
    """A form field, trimmed, without control characters (PostgreSQL refuses NUL in text),
    cut to `limit` characters."""
    value = (form.get(name) or "")[:limit * 4]
    return CONTROL_CHARACTERS.sub("", value).strip()[:limit]
