"""Fixtures of the simulator tests: a tiny IVR of our own on a live server, and the simulator."""

from __future__ import annotations

import pytest

from tests.e2e.live_server import LiveServer
from tests.integration.simulator_double import TOKEN
from tests.integration.simulator_double import IvrDouble
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
