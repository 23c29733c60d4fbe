"""What the services need from the outside world, as Protocols (adapters implement them).

`Runtime` is what a use case is handed: settings, database, clock and provider
(voice_app.bootstrap.Veille builds it). The provider port itself (`TelephonyProvider`), the call it
places, its errors and statuses are provider-neutral vocabulary in voice_app.domain.provider,
shared with the adapters that implement it (voice_app.telephony); re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from voice_app.config import Settings
from voice_app.domain.provider import AmbiguousProviderError
from voice_app.domain.provider import NumberRejected
from voice_app.domain.provider import OutboundCall
from voice_app.domain.provider import ProviderError
from voice_app.domain.provider import ProviderUnavailable
from voice_app.domain.provider import TelephonyProvider

__all__ = ["AmbiguousProviderError", "NumberRejected", "OutboundCall", "ProviderError", "ProviderUnavailable",
           "Runtime", "TelephonyProvider"]


class Runtime(Protocol):
    """Everything a use case needs of its process: settings, database, clock and provider."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime]

    @property
    def telephony(self) -> TelephonyProvider:
        """The provider, built on first use."""

    @property
    def time_scale(self) -> float:
        """How many times faster than real time the clock runs (1 but for the demo's clock)."""
