"""The composition root: the one place that wires concrete adapters together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.engine import Role
from db.engine import make_engine
from db.engine import make_session_factory
from voice_app.config import Settings
from voice_app.domain.provider import TelephonyProvider


def system_clock() -> datetime:
    return datetime.now(UTC)


def build_clock(settings: Settings) -> Callable[[], datetime]:
    """Real time, or the demo's compressed clock when DEMO_TIME_SCALE asks for it."""
    if not settings.DEMO_TIME_SCALE:
        return system_clock
    from voice_app.compressed_clock import ANCHOR_FILE
    from voice_app.compressed_clock import CompressedClock

    return CompressedClock(settings.DEMO_TIME_SCALE, Path(settings.VEILLE_INSTANCE_DIR) / ANCHOR_FILE)


def build_telephony(settings: Settings) -> TelephonyProvider:
    """The provider named by TELEPHONY_PROVIDER (imported lazily: the simulator needs no SDK)."""
    if settings.TELEPHONY_PROVIDER == "twilio":
        from voice_app.telephony.demo_guard import DemoNumberGuard
        from voice_app.telephony.twilio_provider import TwilioProvider

        return DemoNumberGuard(TwilioProvider.from_settings(settings))
    from voice_app.telephony.simulator import SimulatorProvider

    return SimulatorProvider.from_settings(settings)


@dataclass
class Veille:
    """Everything a process needs: settings, database, telephony and the clock."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = system_clock
    _telephony: TelephonyProvider | None = field(default=None, repr=False)
    _telephony_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def telephony(self) -> TelephonyProvider:
        """The provider, built once on first use (dial threads may ask for it at the same time)."""
        if self._telephony is None:
            with self._telephony_lock:
                if self._telephony is None:
                    self._telephony = build_telephony(self.settings)
        return self._telephony

    @property
    def time_scale(self) -> float:
        """How many times faster than real time the clock runs (1 but for the demo's clock)."""
        return getattr(self.clock, "scale", 1.0)

    def close(self) -> None:
        close = getattr(self._telephony, "close", None)
        if close is not None:
            close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, telephony: TelephonyProvider | None = None,
              clock: Callable[[], datetime] | None = None, role: Role = Role.CLI, **engine_kwargs) -> Veille:
    """Wire a Veille from settings (default: the environment) for a process of `role`, which
    sets how long it waits for the database (db.engine.BUDGETS)."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.DATABASE_URL, role, **engine_kwargs)
    session_factory = make_session_factory(engine, settings.SUPPRESSION_KEY)
    return Veille(settings=settings, engine=engine, session_factory=session_factory,
                  clock=clock or build_clock(settings), _telephony=telephony)
