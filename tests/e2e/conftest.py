"""End-to-end ring: the real app served over HTTP on 127.0.0.1, the simulator as provider.

`live` is parametrised over SQLite and PostgreSQL (through the `settings` fixture): each
test gets an empty migrated database, a server on a free port, PUBLIC_BASE_URL set to that
server's URL, and a simulator whose time runs E2E_TIME_SCALE times faster than real time.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import add_test_organisation
from tests.e2e.live_server import LiveServer
from tests.e2e.scenarios import Live
from voice_app.bootstrap import bootstrap
from voice_app.telephony.simulator import SimulatorProvider

E2E_TIME_SCALE = 1000.0  # a minute of call in 60 ms


@pytest.fixture
def live(settings):
    server = LiveServer()
    live_settings = replace(settings, PUBLIC_BASE_URL=server.url, SIMULATOR_TIME_SCALE=E2E_TIME_SCALE)
    simulator = SimulatorProvider.from_settings(live_settings)
    veille = bootstrap(live_settings, telephony=simulator)
    add_test_organisation(veille)
    from voice_app.web import create_app

    app = create_app({"TESTING": True}, veille=veille)
    server.serve(app)
    try:
        yield Live(veille=veille, simulator=simulator, app=app, url=server.url)
    finally:
        simulator.close()
        server.stop()
        veille.close()
