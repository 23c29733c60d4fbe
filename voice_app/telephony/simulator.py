"""The telephony simulator: the embedded default provider, Twilio as seen from the outside.

`place_call` answers at once with a CallSid ("CA" + 32 hex digits) and plays the call in a
bounded pool of threads: signed webhooks over real HTTP to the web process (only ever at
PUBLIC_BASE_URL), Twilio's parameter names and status sequence, the TwiML it gets back,
and a tenant who behaves as scripted (`script`) or as drawn from a seeded distribution
(SIMULATOR_SEED); the demo's fictitious numbers play the demo cast (simulation.demo_cast).
SIMULATOR_TIME_SCALE divides every wait, so a demo or a test runs fast.
See docs/simulator.md.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import secrets
import tempfile
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from voice_app.config import Settings
from voice_app.domain.phones import mask_phone
from voice_app.domain.provider import NumberRejected
from voice_app.domain.provider import OutboundCall
from voice_app.domain.provider import ProviderError
from voice_app.domain.provider import ProviderUnavailable
from voice_app.domain.webhook_urls import INBOUND_PATH
from voice_app.domain.webhook_urls import INBOUND_STATUS_PATH
from voice_app.domain.webhook_urls import absolute
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour
from voice_app.telephony.simulation.behaviours import random_behaviour
from voice_app.telephony.simulation.behaviours import random_volunteer
from voice_app.telephony.simulation.call_runner import CallRunner
from voice_app.telephony.simulation.call_runner import CallUrls
from voice_app.telephony.simulation.demo_cast import demo_tenant
from voice_app.telephony.simulation.demo_cast import demo_volunteer
from voice_app.telephony.simulation.dial import DialPlayer
from voice_app.telephony.simulation.record import SimulatedCall
from voice_app.telephony.simulation.timeline import CallControl
from voice_app.telephony.simulation.timeline import ControlInbox
from voice_app.telephony.simulation.timeline import Timeline
from voice_app.telephony.simulation.twiml_player import TwimlPlayer
from voice_app.telephony.simulation.webhooks import RefusedUrl
from voice_app.telephony.simulation.webhooks import WebhookClient

log = logging.getLogger("veille.simulator")

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_SERVICE_NUMBER = "+33180000000"
MAX_CONCURRENT_CALLS = 32
MAX_KEPT_RECORDS = 10_000  # a long-running clock process forgets its oldest finished calls
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


def control_directory(public_base_url: str) -> Path:
    """Where the simulators of one deployment (web and clock processes) leave each other commands."""
    digest = hashlib.sha256(public_base_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "veille-simulator" / digest


class SimulatorProvider:
    """A TelephonyProvider that plays calls against our own webhooks."""

    def __init__(self, *, public_base_url: str, auth_token: str, account_sid: str = DEFAULT_ACCOUNT_SID,
                 service_number: str = DEFAULT_SERVICE_NUMBER, time_scale: float = 1.0, seed: int = 1,
                 max_concurrent_calls: int = MAX_CONCURRENT_CALLS) -> None:
        if time_scale <= 0:
            raise ValueError("SIMULATOR_TIME_SCALE must be positive")
        self.public_base_url = public_base_url.rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.service_number = service_number
        self.time_scale = time_scale
        self.seed = seed
        self.messages: list[tuple[str, str, str]] = []  # (sid, to, body)
        self._tenants: dict[str, Behaviour] = {}
        self._volunteers: dict[str, VolunteerBehaviour] = {}
        self._calls: dict[str, SimulatedCall] = {}
        self._controls: dict[str, CallControl] = {}
        self._draws: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._inbox = ControlInbox(control_directory(self.public_base_url))
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent_calls, thread_name_prefix="simulated-call")

    @classmethod
    def from_settings(cls, settings: Settings) -> SimulatorProvider:
        return cls(public_base_url=settings.PUBLIC_BASE_URL, auth_token=settings.auth_token,
                   account_sid=settings.TWILIO_ACCOUNT_SID or DEFAULT_ACCOUNT_SID,
                   service_number=settings.TWILIO_FROM_NUMBER or DEFAULT_SERVICE_NUMBER,
                   time_scale=settings.simulator_time_scale, seed=settings.SIMULATOR_SEED)

    # Scripting --------------------------------------------------------------------------

    def script(self, number: str, behaviour: Behaviour) -> None:
        """Every later call to (or from) `number` behaves as `behaviour`."""
        with self._lock:
            self._tenants[number] = behaviour

    def script_volunteer(self, number: str, behaviour: VolunteerBehaviour) -> None:
        """The on-duty phone `number` reacts to live transfers as `behaviour`."""
        with self._lock:
            self._volunteers[number] = behaviour

    def behaviour_for(self, number: str) -> Behaviour:
        """The scripted behaviour, else the demo cast's, else a seeded draw (the n-th call to a
        number is reproducible)."""
        with self._lock:
            if number in self._tenants:
                return self._tenants[number]
            self._draws[number] += 1
            draw = self._draws[number]
        cast = demo_tenant(number, draw)
        return cast or random_behaviour(random.Random(f"{self.seed}:tenant:{number}:{draw}"))

    def volunteer_for(self, number: str) -> VolunteerBehaviour:
        with self._lock:
            if number in self._volunteers:
                return self._volunteers[number]
            if demo_volunteer(number) is not None:
                return demo_volunteer(number)
            self._draws["volunteer:" + number] += 1
            draw = self._draws["volunteer:" + number]
        return random_volunteer(random.Random(f"{self.seed}:volunteer:{number}:{draw}"))

    # TelephonyProvider ------------------------------------------------------------------

    def place_call(self, call: OutboundCall) -> str:
        """Accept the call like Twilio's API (status queued) and play it in the background."""
        if not E164.match(call.to_number or ""):
            raise NumberRejected(f"The 'To' number {mask_phone(call.to_number)} is not a valid phone number.")
        urls = CallUrls(call.answer_url, call.status_callback_url, call.amd_callback_url, call.fallback_url)
        for url in (urls.answer, urls.status_callback, urls.amd_callback, urls.fallback):
            if url and not self._is_ours(url):  # a set-up problem: every call would meet it
                raise ProviderUnavailable("webhook URLs must be under PUBLIC_BASE_URL")
        record = SimulatedCall(new_call_sid(), "outbound-api", call.to_number, self.service_number,
                               behaviour="")
        return self._start(record, self.behaviour_for(call.to_number), urls)

    def call_in(self, from_number: str, behaviour: Behaviour | None = None) -> str:
        """A person calls the service number: the number's voice URL gets the call, and its
        status callback the final status (Twilio sends a number's callback `completed` only)."""
        record = SimulatedCall(new_call_sid(), "inbound", self.service_number, from_number, behaviour="")
        urls = CallUrls(absolute(self.public_base_url, INBOUND_PATH),
                        status_callback=absolute(self.public_base_url, INBOUND_STATUS_PATH))
        return self._start(record, behaviour or self.behaviour_for(from_number), urls)

    def hang_up(self, provider_call_id: str) -> None:
        self._command(provider_call_id, {"action": "hangup"})

    def redirect(self, provider_call_id: str, url: str) -> None:
        if not self._is_ours(url):
            raise ProviderError("redirect URLs must be under PUBLIC_BASE_URL")
        self._command(provider_call_id, {"action": "redirect", "url": url})

    def send_sms(self, to_number: str, body: str) -> str:
        """Record the message (nothing is sent); return a MessageSid."""
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.messages.append((sid, to_number, body))
        log.info("simulator.sms_sent sid=%s to=%s", sid, mask_phone(to_number))
        return sid

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        record = self._calls.get(provider_call_id)
        return record.status if record is not None else None

    # Observing --------------------------------------------------------------------------

    def wait(self, call_sid: str, timeout: float = 10.0) -> SimulatedCall:
        """The call's record once it is over (every callback sent); TimeoutError otherwise."""
        record = self._calls.get(call_sid)
        if record is None:
            raise KeyError(f"unknown call {call_sid}")
        if not record.done.wait(timeout):
            raise TimeoutError(f"call {call_sid} still running after {timeout} s (status {record.status})")
        return record

    def call(self, call_sid: str) -> SimulatedCall | None:
        return self._calls.get(call_sid)

    @property
    def calls(self) -> list[SimulatedCall]:
        with self._lock:
            return list(self._calls.values())

    def close(self) -> None:
        """Stop every call (nothing more is sent) and the threads."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for record in self.calls:
            if not record.done.is_set():
                record.status = "canceled"
                record.done.set()

    # Inside -----------------------------------------------------------------------------

    def _start(self, record: SimulatedCall, behaviour: Behaviour, urls: CallUrls) -> str:
        if self._stopping.is_set():
            raise ProviderUnavailable("the simulator is closed")
        record.behaviour = behaviour.label
        control = CallControl(record.sid, self._inbox)
        timeline = Timeline(self.time_scale, control, self._stopping)
        client = WebhookClient(self.public_base_url, self.auth_token)
        dial = DialPlayer(self.volunteer_for, new_call_sid, self.service_number)
        player = TwimlPlayer(client, timeline, record, dial)
        runner = CallRunner(record, behaviour, urls, self.account_sid, client, timeline, player)
        with self._lock:
            self._forget_old_calls()
            self._calls[record.sid] = record
            self._controls[record.sid] = control
        self._pool.submit(runner.run)
        return record.sid

    def _forget_old_calls(self) -> None:
        """Keep memory bounded: drop the oldest finished records beyond MAX_KEPT_RECORDS."""
        excess = len(self._calls) - MAX_KEPT_RECORDS + 1
        if excess <= 0:
            return
        finished = [sid for sid, record in self._calls.items() if record.done.is_set()][:excess]
        for sid in finished:
            del self._calls[sid]
            del self._controls[sid]

    def _command(self, sid: str, command: dict) -> None:
        record = self._calls.get(sid)
        if record is None:  # played by another process of this deployment (the clock)
            self._inbox.post(sid, command)
            return
        if record.is_finished:
            raise ProviderError(f"Call {sid} is not in-progress. Cannot {command['action']}.")
        self._controls[sid].push(command)

    def _is_ours(self, url: str) -> bool:
        try:
            WebhookClient.check_origin(self.public_base_url, url)
        except RefusedUrl:
            return False
        return urlsplit(url).scheme in ("http", "https")
