"""What happened during one simulated call, for tests and `veille calls test`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field

from voice_app.domain.provider import FINAL_STATUSES


@dataclass
class Exchange:
    """One HTTP request the simulator made to the web process, and its answer."""

    kind: str  # twiml | status | amd | screening | media (a <Play> file)
    path: str
    status_code: int | None  # None: connection failed or URL refused


@dataclass
class DialLeg:
    """One number rung by a `Dial` (a volunteer in a live transfer)."""

    sid: str
    number: str
    fate: str
    status: str = "no-answer"  # what became of the leg: completed, no-answer, busy...
    bridged: bool = False
    verbs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)


@dataclass
class SimulatedCall:
    """The running or finished call; `done` is set once nothing more will be sent."""

    sid: str
    direction: str  # outbound-api | inbound
    to_number: str
    from_number: str
    behaviour: str
    status: str = "queued"
    statuses: list[str] = field(default_factory=list)  # CallStatus of each status callback sent
    answered_by: str | None = None
    inputs: list[str] = field(default_factory=list)  # "2", "oui", "silence", "hangup"
    verbs: list[str] = field(default_factory=list)
    says: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    dial_legs: list[DialLeg] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_seconds: int = 0
    hung_up_by: str | None = None  # tenant | api | twiml | machine
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def keys(self) -> list[str]:
        """The keys pressed, in order."""
        return [value for value in self.inputs if value.isdigit() or value in ("*", "#")]

    @property
    def http_statuses(self) -> list[int | None]:
        return [exchange.status_code for exchange in self.exchanges]

    @property
    def is_finished(self) -> bool:
        return self.status in FINAL_STATUSES
