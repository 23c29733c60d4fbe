"""Integration fixtures: a Veille wired with a chosen provider; for the simulator tests, a tiny
IVR of our own on a live server, and the simulator."""

from __future__ import annotations

import pytest

from tests import databases
from tests.e2e.live_server import LiveServer
from tests.fakes import FakeTelephony
from tests.integration.simulator_double import TOKEN
from tests.integration.simulator_double import IvrDouble
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.telephony.simulator import SimulatorProvider


@pytest.fixture
def double():
    server = LiveServer()
    ivr = IvrDouble(server)
    server.serve(ivr.app)
    yield ivr
    server.stop()


@pytest.fixture
def simulator(double):
    provider = SimulatorProvider(public_base_url=double.url, auth_token=TOKEN, time_scale=2000,
                                 service_number="+33180000000")
    yield provider
    provider.close()


@pytest.fixture
def veille_with(settings, now):
    """Wire a Veille on the test database with the given provider (closed after the test)."""
    wired = []

    def wire(telephony):
        wired.append(bootstrap(settings, telephony=telephony, clock=lambda: now))
        return wired[-1]

    yield wire
    for each in wired:
        each.close()


@pytest.fixture
def postgres(postgres_url):
    """An emptied PostgreSQL database and a Veille on it, for tests with several processes."""
    databases.empty_postgres(postgres_url)
    veille = bootstrap(Settings(DATABASE_URL=postgres_url), telephony=FakeTelephony())
    yield veille
    veille.close()
