"""`<Dial>`: ring one or more numbers at once and bridge the first that takes the call.

Each `<Number>` rings at the same time for at most the Dial's `timeout` (default 30 s).
When a leg picks up and its `<Number url="...">` is set, that TwiML runs on the answering
side first (screening): if it runs to its end the parties are bridged; if it hangs up (or
the volunteer does), the leg is dropped and the others keep ringing. Once the Dial is over
Twilio posts `DialCallStatus` (completed, no-answer, busy, failed), `DialCallSid`,
`DialCallDuration` and `DialBridged` to `action`, or goes on with the next verb.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voice_app.telephony.simulation.behaviours import BUSY
from voice_app.telephony.simulation.behaviours import NO_ANSWER
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour
from voice_app.telephony.simulation.record import DialLeg
from voice_app.telephony.simulation.twiml_player import DOCUMENT_END
from voice_app.telephony.simulation.twiml_player import Fetch
from voice_app.telephony.simulation.twiml_player import Leg
from voice_app.telephony.simulation.twiml_player import TwimlPlayer
from voice_app.telephony.simulation.twiml_reader import Verb

DEFAULT_DIAL_TIMEOUT = 30.0


@dataclass
class Ringing:
    leg: DialLeg
    behaviour: VolunteerBehaviour
    url: str
    method: str


class DialPlayer:
    """Plays `<Dial>` verbs; knows how volunteers behave and how to name a new leg."""

    def __init__(self, volunteer_for: Callable[[str], VolunteerBehaviour], new_sid: Callable[[], str],
                 caller_id: str) -> None:
        self._volunteer_for = volunteer_for
        self._new_sid = new_sid
        self._caller_id = caller_id

    def __call__(self, player: TwimlPlayer, leg: Leg, verb: Verb, document_url: str) -> Fetch | None:
        started = player.timeline.now
        ringing = self._ring(player, verb)
        timeout = verb.number("timeout", DEFAULT_DIAL_TIMEOUT)
        bridged = self._first_accepting(player, leg, verb, document_url, ringing, started, timeout)
        talk_seconds = 0
        if bridged is not None:
            talk_seconds = int(bridged.behaviour.talk_seconds)
            player.timeline.sleep(bridged.behaviour.talk_seconds)
            bridged.leg.status = "completed"
        elif any(r.leg.status == "ringing" for r in ringing):  # nobody took it: ring until timeout
            player.timeline.sleep(max(0.0, started + timeout - player.timeline.now))
        for other in ringing:
            if other is not bridged and other.leg.status == "ringing":
                other.leg.status = "canceled" if bridged is not None else "no-answer"
        params = {
            "DialCallStatus": self._dial_status(ringing, bridged),
            "DialCallSid": (bridged or ringing[-1]).leg.sid if ringing else "",
            "DialCallDuration": str(talk_seconds),
            "DialBridged": "true" if bridged is not None else "false",
        }
        action = verb.attribute("action")
        if not action:
            return None
        return player.next_request(action, document_url, verb.attribute("method", "POST"), params)

    def _ring(self, player: TwimlPlayer, verb: Verb) -> list[Ringing]:
        targets = [(n.text, n.attribute("url"), n.attribute("method", "POST")) for n in verb.children]
        if not verb.children and verb.text:
            targets = [(verb.text, "", "POST")]
        ringing = []
        for number, url, method in targets:
            behaviour = self._volunteer_for(number)
            status = "busy" if behaviour.fate == BUSY else "ringing"
            dial_leg = DialLeg(sid=self._new_sid(), number=number, fate=behaviour.fate, status=status)
            player.record.dial_legs.append(dial_leg)
            ringing.append(Ringing(dial_leg, behaviour, url, method))
        return ringing

    def _first_accepting(self, player: TwimlPlayer, leg: Leg, verb: Verb, document_url: str,
                         ringing: list[Ringing], started: float, timeout: float) -> Ringing | None:
        answering = sorted((r for r in ringing if r.behaviour.fate not in (NO_ANSWER, BUSY)
                            and r.behaviour.answer_seconds < timeout),
                           key=lambda r: r.behaviour.answer_seconds)
        for candidate in answering:
            picks_up_at = started + candidate.behaviour.answer_seconds
            player.timeline.sleep(max(0.0, picks_up_at - player.timeline.now))
            candidate.leg.status = "in-progress"
            if self._screen(player, leg, verb, document_url, candidate):
                candidate.leg.bridged = True
                return candidate
            candidate.leg.status = "completed"
        return None

    def _screen(self, player: TwimlPlayer, parent: Leg, verb: Verb, document_url: str,
                candidate: Ringing) -> bool:
        """Run the screening TwiML on the volunteer's side; True when it lets the call through."""
        if not candidate.url:
            return True
        number = candidate.leg.number
        caller_id = verb.attribute("callerId", self._caller_id)
        volunteer = Leg(
            params={"CallSid": candidate.leg.sid, "ParentCallSid": parent.params["CallSid"],
                    "AccountSid": parent.params["AccountSid"], "From": caller_id, "To": number,
                    "Caller": caller_id, "Called": number, "CallStatus": "in-progress",
                    "Direction": "outbound-dial", "ApiVersion": parent.params["ApiVersion"]},
            answers=deque(candidate.behaviour.answers),
            reaction_seconds=candidate.behaviour.reaction_seconds,
            verbs=candidate.leg.verbs, inputs=candidate.leg.inputs, exchange_kind="screening")
        request = player.next_request(candidate.url, document_url, candidate.method)
        if not isinstance(request, Fetch):
            return False
        return player.run(volunteer, request, follow_redirects=False).reason == DOCUMENT_END

    @staticmethod
    def _dial_status(ringing: list[Ringing], bridged: Ringing | None) -> str:
        if bridged is not None:
            return "completed"
        if not ringing:
            return "failed"
        if all(r.behaviour.fate == BUSY for r in ringing):
            return "busy"
        return "no-answer"

