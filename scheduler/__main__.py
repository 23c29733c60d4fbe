"""`python -m scheduler`: the clock process of the Procfile.

SIGTERM or SIGINT stops it cleanly: the scheduler stops, the dispatcher stops between two
calls, running jobs finish, the leader lock is released, and the process exits with 0;
within 8 s in any case, whatever the database does (scheduler.stopping). Settings that may
not run, or an opt-out list made with another SUPPRESSION_KEY, stop it at once with a
French message and exit code 2.

For tests only, `VEILLE_TEST_PROVIDER=module:factory` replaces the telephony provider with
the object `factory()` returns; it is refused when VEILLE_ENV is production.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

from db.engine import Role
from scheduler.clock import Clock
from scheduler.leader import leader_lock_for
from scheduler.stopping import StopOnSignal
from voice_app.bootstrap import bootstrap
from voice_app.config import ConfigError
from voice_app.config import Settings
from voice_app.env_file import load_env_file
from voice_app.logging_setup import configure_logging

TEST_PROVIDER_VARIABLE = "VEILLE_TEST_PROVIDER"


def provider_override(settings: Settings, environ=os.environ):
    """The provider named by VEILLE_TEST_PROVIDER, or None to use TELEPHONY_PROVIDER."""
    spec = environ.get(TEST_PROVIDER_VARIABLE)
    if not spec:
        return None
    if settings.is_production:
        raise ConfigError(f"{TEST_PROVIDER_VARIABLE} sert aux tests et est refusé en production.")
    module_name, _, factory = spec.partition(":")
    return getattr(importlib.import_module(module_name), factory)()


def main() -> int:
    try:
        load_env_file()
        settings = Settings.from_env()  # refused settings: nothing installed, nothing started
        stop_event = threading.Event()
        StopOnSignal(stop_event)  # from now on, SIGTERM ends the process within seconds
        return run(settings, stop_event)
    except ConfigError as error:  # bad settings, or an opt-out list made with another key
        print(f"Horloge de Veille arrêtée : {error}", file=sys.stderr)
        return 2


def run(settings: Settings, stop_event: threading.Event) -> int:
    configure_logging(settings.LOG_LEVEL)
    veille = bootstrap(settings, telephony=provider_override(settings), role=Role.CLOCK)
    lock = leader_lock_for(settings.DATABASE_URL)
    try:
        Clock(veille, lock).run(stop_event)
    finally:
        lock.close()
        veille.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
