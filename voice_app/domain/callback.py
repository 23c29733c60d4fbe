"""A provider's webhook, understood: the provider-neutral `Callback` the call service applies.

voice_app.telephony.callbacks builds one from a Twilio form; the sweep builds one from the
status the provider reports when asked (`final_status`). Its idempotency key is what makes a
retried webhook a no-op, so the same report always gets the same key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field

from voice_app.domain.call_flow import Ended
from voice_app.domain.call_flow import Event
from voice_app.domain.provider import CallStatus

MAX_KEY_LENGTH = 100  # CallEvent.idempotency_key is 128; the service prefixes the attempt id


@dataclass(frozen=True)
class Callback:
    """One webhook, understood: its kind, idempotency key, event (None: recorded, changes
    nothing) and what to store of it."""

    kind: str
    key: str
    event: Event | None
    call_sid: str = ""
    detail: dict = field(default_factory=dict)
    turn: int | None = None  # gathers only: the turn the action URL was issued for

    @property
    def wants_twiml(self) -> bool:
        """Status and AMD callbacks only inform: their answer is never played."""
        return self.kind in {"answer", "gather", "dial"}


def callback_key(*parts: str) -> str:
    """Parts joined; hashed when too long for the column (garbage input is still one key)."""
    key = ":".join(parts)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{parts[0]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def final_status(call_sid: str, status: CallStatus, sequence: str) -> Callback:
    """The status callback of a call that ended with the final `status`; `sequence` tells
    this report from the provider's others (Twilio's SequenceNumber, or the sweep's own)."""
    detail = {"status": str(status), "sequence": sequence, "known": True}
    return Callback("status", callback_key("status", call_sid, status, sequence), Ended(status), call_sid,
                    detail)
