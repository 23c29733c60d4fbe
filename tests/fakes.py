"""Hand-written fakes for the ports (no mocks of SDK internals)."""

from __future__ import annotations

import itertools
import threading

from voice_app.services.ports import OutboundCall


class FakeTelephony:
    """Records what would have been dialled; answers with predictable call ids."""

    def __init__(self) -> None:
        self.placed: list[OutboundCall] = []
        self.hung_up: list[str] = []
        self.redirected: list[tuple[str, str]] = []
        self.sms: list[tuple[str, str]] = []
        self.statuses: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def place_call(self, call: OutboundCall) -> str:
        with self._lock:
            self.placed.append(call)
            sid = f"CA{next(self._ids):032x}"
        self.statuses[sid] = "queued"
        return sid

    def hang_up(self, provider_call_id: str) -> None:
        self.hung_up.append(provider_call_id)

    def redirect(self, provider_call_id: str, url: str) -> None:
        self.redirected.append((provider_call_id, url))

    def send_sms(self, to_number: str, body: str) -> str:
        self.sms.append((to_number, body))
        return f"SM{len(self.sms):032x}"

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        return self.statuses.get(provider_call_id)
