"""Whole calls, played as Twilio would (the benchmark's end-to-end check): status initiated,
ringing, the answer webhook, status in-progress, the AMD verdict, the menu gather with Digits=1,
status completed; every request signed, each call ending "all well"."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from dataclasses import field

from bench.webhook.calls import ACCOUNT_SID
from bench.webhook.calls import AUTH_TOKEN
from bench.webhook.calls import SERVICE_NUMBER
from bench.webhook.calls import SeededCall
from bench.webhook.calls import new_calls
from bench.webhook.calls import seed_attempts
from voice_app.bootstrap import Veille
from voice_app.domain.webhook_urls import absolute
from voice_app.domain.webhook_urls import call_path
from voice_app.domain.webhook_urls import gather_path
from voice_app.telephony.simulation.webhooks import WebhookClient

REQUESTS_PER_CALL = 7


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    calls: int = 0
    seconds: float = 0.0

    def line(self, label: str) -> str:
        if not self.latencies:
            return f"{label:<11} no request completed"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (f"{label:<11} {len(ordered):>6} requests  {self.calls:>5} calls  {self.errors:>3} errors  "
                f"{len(ordered) / self.seconds:>7.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")


def seed_calls(veille: Veille, count: int, prefix: str = "B") -> list[SeededCall]:
    """N tenants, each with an attempt the provider has just accepted (state queued)."""
    calls = new_calls(count)
    seed_attempts(veille, calls, prefix, answered=False)
    return calls


def call_requests(base_url: str, call: SeededCall) -> list[tuple[str, dict[str, str]]]:
    """The webhooks of one answered call where the tenant presses 1, in Twilio's order."""
    common = {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "From": SERVICE_NUMBER,
              "To": call.to_number, "Direction": "outbound-api", "ApiVersion": "2010-04-01"}
    status_url = absolute(base_url, call_path(call.token, "status"))

    def status(value: str, sequence: int) -> tuple[str, dict[str, str]]:
        return status_url, {**common, "CallStatus": value, "CallbackSource": "call-progress-events",
                            "SequenceNumber": str(sequence), "CallDuration": "30"}

    return [
        status("initiated", 0), status("ringing", 1),
        (absolute(base_url, call_path(call.token, "answer")), {**common, "CallStatus": "in-progress"}),
        status("in-progress", 2),
        (absolute(base_url, call_path(call.token, "amd")),
         {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "AnsweredBy": "human",
          "MachineDetectionDuration": "2100"}),
        (absolute(base_url, gather_path(call.token, "menu", 1)),
         {**common, "CallStatus": "in-progress", "Digits": "1"}),
        status("completed", 3),
    ]


def drive(base_url: str, calls: list[SeededCall], threads: int, max_seconds: float,
          auth_token: str = AUTH_TOKEN) -> Figures:
    """Play the calls from `threads` keep-alive clients until done or `max_seconds` passed."""
    figures = Figures()
    lock = threading.Lock()
    pending = iter(calls)
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        client = WebhookClient(base_url, auth_token)
        try:
            while time.monotonic() < deadline:
                with lock:
                    call = next(pending, None)
                if call is None:
                    return
                for url, params in call_requests(base_url, call):
                    started = time.perf_counter()
                    answer = client.send(url, params)
                    elapsed = time.perf_counter() - started
                    with lock:
                        figures.latencies.append(elapsed)
                        figures.errors += 0 if answer.ok else 1
                with lock:
                    figures.calls += 1
        finally:
            client.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, name=f"load-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    figures.seconds = time.monotonic() - started
    return figures
