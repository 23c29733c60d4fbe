"""The life of one simulated call, from the outside exactly like Twilio's.

Outbound (`place_call`): status callbacks `initiated` -> `ringing` -> `in-progress`
(answered) -> `completed`, or a final `busy` / `no-answer` / `failed` / `canceled`; each
carries `CallbackSource=call-progress-events`, a `SequenceNumber` and a `Timestamp`. Once
answered, the answer URL is fetched and its TwiML played; the asynchronous AMD result is
posted to the AMD callback a few seconds after the answer, while the TwiML plays.

Inbound (`call_in`): the service number's voice URL gets `Direction=inbound` and
`CallStatus=ringing`; the call is answered by the first verb that is not `<Reject>`.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from voice_app.domain.phones import mask_phone
from voice_app.telephony.simulation.behaviours import BUSY
from voice_app.telephony.simulation.behaviours import FAILED
from voice_app.telephony.simulation.behaviours import NO_ANSWER
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.record import Exchange
from voice_app.telephony.simulation.record import SimulatedCall
from voice_app.telephony.simulation.timeline import CalleeHungUp
from voice_app.telephony.simulation.timeline import HangUpRequested
from voice_app.telephony.simulation.timeline import RedirectRequested
from voice_app.telephony.simulation.timeline import SimulationStopped
from voice_app.telephony.simulation.timeline import Timeline
from voice_app.telephony.simulation.twiml_player import CALLEE_HANGUP
from voice_app.telephony.simulation.twiml_player import REJECTED
from voice_app.telephony.simulation.twiml_player import Fetch
from voice_app.telephony.simulation.twiml_player import Leg
from voice_app.telephony.simulation.twiml_player import TwimlPlayer
from voice_app.telephony.simulation.webhooks import RefusedUrl
from voice_app.telephony.simulation.webhooks import WebhookClient

log = logging.getLogger("veille.simulator")

API_VERSION = "2010-04-01"
DIALLING_SECONDS = 0.5  # initiated -> ringing
BUSY_SIGNAL_SECONDS = 2.0
FAILURE_SECONDS = 1.0
RING_TIMEOUT_SECONDS = 50.0  # DESIGN §4: Timeout 50 s, so seniors can reach the phone


@dataclass(frozen=True)
class CallUrls:
    answer: str
    status_callback: str | None = None
    amd_callback: str | None = None
    fallback: str | None = None


class CallRunner:
    """Plays one call in the calling thread; `record` shows what happened."""

    def __init__(self, record: SimulatedCall, behaviour: Behaviour, urls: CallUrls, account_sid: str,
                 client: WebhookClient, timeline: Timeline, player: TwimlPlayer) -> None:
        self.record = record
        self.behaviour = behaviour
        self.urls = urls
        self.client = client
        self.timeline = timeline
        self.player = player
        self._answered_at: float | None = None
        self._sequence = 0
        self._held: list[dict[str, str]] = []
        self._params = {
            "CallSid": record.sid, "AccountSid": account_sid, "From": record.from_number,
            "To": record.to_number, "Caller": record.from_number, "Called": record.to_number,
            "Direction": record.direction, "ApiVersion": API_VERSION,
        }

    def run(self) -> None:
        log.info("simulator.call_started sid=%s direction=%s to=%s behaviour=%s", self.record.sid,
                 self.record.direction, mask_phone(self.record.to_number), self.behaviour.label)
        try:
            if self.record.direction == "inbound":
                self._inbound()
            else:
                self._outbound()
        except SimulationStopped:
            self.record.status = "canceled"
            self.record.errors.append("simulator stopped during the call")
        except Exception as error:  # a simulator bug must never leave a waiter hanging
            log.exception("simulator.call_crashed sid=%s", self.record.sid)
            self.record.errors.append(f"simulator error: {type(error).__name__}")
            self.record.status = self.record.status if self.record.is_finished else "failed"
        finally:
            self.client.close()
            self.timeline.control.discard()
            self.record.done.set()
            log.info("simulator.call_ended sid=%s status=%s duration=%s", self.record.sid,
                     self.record.status, self.record.duration_seconds)

    # Outbound ---------------------------------------------------------------------------

    def _outbound(self) -> None:
        if not self._connect():
            self._deliver_held_callbacks()
            return
        self._converse(Fetch(self.urls.answer))
        self._deliver_held_callbacks()

    def _connect(self) -> bool:
        """Dial and ring; True once the callee picks up, else the call is already over."""
        try:
            self._progress("initiated")
            self._wait_ringing(DIALLING_SECONDS)
            pickup = self.behaviour.pickup
            if pickup == FAILED:
                self._wait_ringing(FAILURE_SECONDS)
                self._finish("failed")
                return False
            if pickup == BUSY:
                self._wait_ringing(BUSY_SIGNAL_SECONDS)
                self._finish("busy")
                return False
            self._progress("ringing")
            if pickup == NO_ANSWER:
                self._wait_ringing(RING_TIMEOUT_SECONDS)
                self._finish("no-answer")
                return False
            self._wait_ringing(min(self.behaviour.ring_seconds, RING_TIMEOUT_SECONDS))
        except HangUpRequested:
            self._finish("canceled")
            return False
        self._answer()
        return True

    def _wait_ringing(self, seconds: float) -> None:
        """Before the answer, a redirect only changes the URL fetched on answer."""
        until = self.timeline.now + seconds
        while self.timeline.now < until:
            try:
                self.timeline.sleep(until - self.timeline.now)
            except RedirectRequested as redirect:
                self.urls = CallUrls(redirect.url, self.urls.status_callback, self.urls.amd_callback,
                                     self.urls.fallback)

    def _answer(self) -> None:
        self._answered_at = self.timeline.now
        self._progress("in-progress")
        if self.urls.amd_callback:
            self.timeline.at(self.timeline.now + self.behaviour.amd_seconds, self._post_amd)
        if self.behaviour.hangs_up_after_seconds is not None:
            self.timeline.callee_hangs_up_at = self.timeline.now + self.behaviour.hangs_up_after_seconds

    def _post_amd(self) -> None:
        self.record.answered_by = self.behaviour.answered_by
        params = {"CallSid": self.record.sid, "AccountSid": self._params["AccountSid"],
                  "AnsweredBy": self.behaviour.answered_by,
                  "MachineDetectionDuration": str(int(self.behaviour.amd_seconds * 1000))}
        self._post("amd", self.urls.amd_callback, params)

    # The conversation -------------------------------------------------------------------

    def _tenant_leg(self, call_status: str, answered: bool) -> Leg:
        return Leg(params={**self._params, "CallStatus": call_status},
                   answers=deque(self.behaviour.answers), reaction_seconds=self.behaviour.reaction_seconds,
                   verbs=self.record.verbs, inputs=self.record.inputs, says=self.record.says,
                   fallback_url=self.urls.fallback, answered=answered)

    def _converse(self, request: Fetch, leg: Leg | None = None) -> None:
        leg = leg or self._tenant_leg("in-progress", answered=True)
        try:
            ended = self.player.run(leg, request)
        except HangUpRequested:
            self.record.hung_up_by = "api"
        except CalleeHungUp:
            machine = self.behaviour.answered_by.startswith("machine")
            self.record.hung_up_by = "machine" if machine else "tenant"
        else:
            if ended.reason == REJECTED and not leg.answered:
                self._finish("busy" if ended.detail == "busy" else "no-answer")
                return
            self.record.hung_up_by = "tenant" if ended.reason == CALLEE_HANGUP else "twiml"
        self._finish("completed")

    # Inbound ----------------------------------------------------------------------------

    def _inbound(self) -> None:
        self.record.status = "ringing"
        self._answered_at = self.timeline.now
        leg = self._tenant_leg("ringing", answered=False)
        self._converse(Fetch(self.urls.answer), leg)

    # Status callbacks -------------------------------------------------------------------

    def _progress(self, status: str) -> None:
        self.record.status = status
        params = self._status_params(status)
        if self.behaviour.late_callbacks and status == "in-progress":
            self._held.append(params)  # delivered after `completed`, out of order
            return
        self._send_status(params)

    def _finish(self, status: str) -> None:
        self.timeline.cancel_events()
        self.timeline.callee_hangs_up_at = None
        self.record.status = status
        if self._answered_at is not None and status == "completed":
            self.record.duration_seconds = max(1, math.ceil(self.timeline.now - self._answered_at))
        params = self._status_params(status)
        params["CallDuration"] = str(self.record.duration_seconds)
        params["Duration"] = str(math.ceil(self.record.duration_seconds / 60))
        self._send_status(params)

    def _deliver_held_callbacks(self) -> None:
        for params in self._held:
            self._send_status(params)
        self._held.clear()

    def _status_params(self, status: str) -> dict[str, str]:
        params = {**self._params, "CallStatus": status, "CallbackSource": "call-progress-events",
                  "SequenceNumber": str(self._sequence),
                  "Timestamp": format_datetime(datetime.now(UTC).replace(microsecond=0))}
        self._sequence += 1
        return params

    def _send_status(self, params: dict[str, str]) -> None:
        if not self.urls.status_callback:
            return
        deliveries = 2 if self.behaviour.duplicated_callbacks else 1
        for _ in range(deliveries):
            self.record.statuses.append(params["CallStatus"])
            self._post("status", self.urls.status_callback, params)

    def _post(self, kind: str, url: str | None, params: dict[str, str]) -> None:
        if self.timeline.stopping.is_set() or not url:
            return
        try:
            answer = self.client.send(url, params)
        except RefusedUrl as error:
            self.record.errors.append(str(error))
            return
        self.record.exchanges.append(Exchange(kind, urlsplit(url).path, answer.status_code))
        if not answer.ok:
            self.record.errors.append(f"{kind} callback: HTTP {answer.status_code}")
