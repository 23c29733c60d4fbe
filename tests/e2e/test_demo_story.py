"""The demo tells its whole story within its five-minute round: the real clock jobs, the real
dispatcher and the demo cast played by the simulator over HTTP, the clock moved by the test."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from db.models import FollowUp
from db.models import Round
from scheduler.jobs import JOBS
from tests.e2e.conftest import E2E_TIME_SCALE
from tests.e2e.live_server import LiveServer
from voice_app.bootstrap import bootstrap
from voice_app.services.demo import DEMO_ROUND_MINUTES
from voice_app.services.demo_reset import reset_demo
from voice_app.services.dispatch import dispatch_due_calls
from voice_app.telephony.simulator import SimulatorProvider

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP

STEP = timedelta(seconds=15)
STORY_DEADLINE = timedelta(minutes=DEMO_ROUND_MINUTES + 1)  # the round, then one closing job


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def demo(settings):
    server = LiveServer()
    demo_settings = replace(settings, PUBLIC_BASE_URL=server.url, SIMULATOR_TIME_SCALE=E2E_TIME_SCALE)
    simulator = SimulatorProvider.from_settings(demo_settings)
    clock = MovingClock(datetime(2026, 11, 24, 13, 0, 40, tzinfo=UTC))  # 14:00:40 in Paris
    veille = bootstrap(demo_settings, telephony=simulator, clock=clock)
    from voice_app.web import create_app

    server.serve(create_app({"TESTING": True}, veille=veille))
    try:
        yield veille, simulator, clock
    finally:
        simulator.close()
        server.stop()
        veille.close()


def _run_clock_once(veille, simulator) -> None:
    """What the clock process does in one step: its jobs, then the dispatcher's pass."""
    for job in JOBS:
        job.run(veille)
    dispatch_due_calls(veille, veille.clock(), worker_id="demo-story", sleep=lambda seconds: None)
    for call in simulator.calls:
        simulator.wait(call.sid, timeout=10)


def test_a_demo_round_shows_a_retry_a_live_transfer_help_and_unreachable_tenants(demo):
    veille, simulator, clock = demo
    started = clock.now
    reset_demo(veille)
    closed = False
    while not closed and clock.now - started <= STORY_DEADLINE:
        _run_clock_once(veille, simulator)
        with veille.session_factory() as session:
            closed = session.scalar(select(Round.closed_at)) is not None
        clock.now += STEP
    assert closed, "the demo round did not close in time"

    with veille.session_factory() as session:
        attempts = session.scalars(select(CallAttempt)).all()
        follow_ups = Counter(session.scalars(select(FollowUp.reason)))
    outcomes = Counter(a.outcome for a in attempts)
    retried = {a.tenant_id for a in attempts if a.attempt_number == 2}
    assert len(retried) >= 6  # the never-answering and the answer-the-second-time tenants
    assert {a.outcome for a in attempts if a.tenant_id in retried and a.attempt_number == 2} \
        == {"ok", "no_answer"}
    assert outcomes["live_transfer"] == 1
    assert all(a.dialled_at < started + timedelta(minutes=DEMO_ROUND_MINUTES) for a in attempts)
    assert follow_ups["unreachable"] == 3  # tenants 7, 17 and 37
    assert follow_ups["help_health"] == 2 and follow_ups["help_food"] == 1 and follow_ups["help_other"] == 1
    assert follow_ups["no_key"] >= 1
