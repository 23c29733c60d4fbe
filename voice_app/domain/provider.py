"""What Veille and a telephony provider say to each other, provider-neutral: the interface a
provider implements, the call to place, the errors it raises, and the call statuses it reports
(Twilio's `CallStatus` and `DialCallStatus` values, which Twilio-compatible providers share).

The services (through voice_app.services.ports) and the adapters implementing the interface
(voice_app.telephony) both use these, so neither imports the other. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class CallStatus(StrEnum):
    """A call's status at the provider, as its status callbacks and `fetch_call_status` say."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    ANSWERED = "answered"  # a DialCallStatus, and what some providers send for in-progress
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


# The statuses that end a call: nothing follows them.
FINAL_STATUSES = frozenset({CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED,
                            CallStatus.CANCELED})
# How a live transfer's Dial ended (DialCallStatus).
DIAL_STATUSES = FINAL_STATUSES | {CallStatus.ANSWERED}


@dataclass(frozen=True)
class OutboundCall:
    """Everything a provider needs to place one call; no tenant data beyond the number."""

    attempt_token: str
    to_number: str
    answer_url: str
    status_callback_url: str
    amd_callback_url: str | None
    fallback_url: str | None = None
    detect_machine: bool = True  # off for a volunteer's bridged call-back: a person answers


class ProviderError(Exception):
    """The provider refused the request (the call was certainly not placed)."""


class AmbiguousProviderError(ProviderError):
    """The request may or may not have reached the provider (timeout after sending):
    the attempt must be reconciled, never re-dialled blindly."""


class NumberRejected(ProviderError):
    """The call was not placed because of the number itself (invalid, not a phone number,
    unreachable by the provider): this number cannot be called, the attempt fails."""


class ProviderUnavailable(ProviderError):
    """The call was not placed for a reason that is not the number: credentials, caller id
    not owned, account suspended, permissions, throttling, provider unreachable. Every other
    call would meet it too: the attempt stays due and dialling pauses.

    `code` is the provider's error code (Twilio's), `status` the HTTP status, when known.
    """

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class TelephonyProvider(Protocol):
    """DESIGN §4: the one interface for Twilio, Twilio-compatible providers and the simulator."""

    def place_call(self, call: OutboundCall) -> str:
        """Place the call now; return the provider's call id (Twilio's CallSid)."""

    def hang_up(self, provider_call_id: str) -> None:
        """End a call in progress."""

    def redirect(self, provider_call_id: str, url: str) -> None:
        """Make a call in progress fetch new TwiML from `url`."""

    def send_sms(self, to_number: str, body: str) -> str:
        """Send a text message; return the provider's message id."""

    def fetch_call_status(self, provider_call_id: str) -> str | None:
        """The provider's current status of a call (for reconciliation), None if unknown."""
