"""The demo tells its whole day on the compressed clock: the real clock process (its jobs and
its dispatcher thread), the web process over HTTP and the demo cast played by the simulator,
all on one clock running DEMO_TIME_SCALE times faster than real time. Nothing here moves the
clock by hand: a day of calling hours, with retries two hours apart, plays in seconds."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from scheduler.clock import Clock
from scheduler.leader import leader_lock_for
from tests.e2e.live_server import LiveServer
from tests.integration.test_figure_counts import assert_summary_is_the_facts
from voice_app.bootstrap import bootstrap
from voice_app.compressed_clock import CompressedClock
from voice_app.domain.calendar import PARIS
from voice_app.domain.figures import current_month
from voice_app.domain.people import Viewer
from voice_app.domain.windows import calling_hours
from voice_app.domain.windows import open_until
from voice_app.services import figure_counts
from voice_app.services.demo_reset import reset_demo
from voice_app.services.figures import compute
from voice_app.telephony.simulator import SimulatorProvider

pytestmark = pytest.mark.slow  # a real server, the real clock process and real calls over HTTP

SCALE = 600.0  # ten demo hours a real minute: the day's calls in about half a minute
REAL_DEADLINE_SECONDS = 180.0  # generous on a loaded machine: the story itself needs ~30 s
TENANTS = 12  # the cast's every part: help, a live transfer, a retry, silence, unreachable


@pytest.fixture
def demo(settings, tmp_path):
    server = LiveServer()
    demo_settings = replace(settings, PUBLIC_BASE_URL=server.url, DEMO_TIME_SCALE=SCALE,
                            VEILLE_INSTANCE_DIR=str(tmp_path))
    simulator = SimulatorProvider.from_settings(demo_settings)  # plays calls at the clock's pace
    veille = bootstrap(demo_settings, telephony=simulator)  # the compressed clock, from the settings
    from voice_app.web import create_app

    server.serve(create_app({"TESTING": True}, veille=veille))
    try:
        yield veille
    finally:
        simulator.close()
        server.stop()
        veille.close()


def _round_closed(veille) -> bool:
    with veille.session_factory() as session:
        return session.scalar(select(Round.closed_at)) is not None


def _run_the_clock_until_the_round_closes(veille) -> None:
    stop = threading.Event()
    clock = Clock(veille, leader_lock_for(veille.settings.DATABASE_URL), heartbeat_seconds=0.2,
                  standby_poll_seconds=0.2)
    process = threading.Thread(target=clock.run, args=(stop,), name="clock", daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + REAL_DEADLINE_SECONDS
        while not _round_closed(veille) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop.set()
        process.join(30)


def test_a_demo_day_with_retries_plays_in_compressed_time_inside_the_calling_hours(demo):
    veille = demo
    assert isinstance(veille.clock, CompressedClock)
    morning = reset_demo(veille, tenants=TENANTS).demo_time
    assert "09:50" <= morning.astimezone(PARIS).strftime("%H:%M") < "10:00", "just before the windows"
    _run_the_clock_until_the_round_closes(veille)
    assert _round_closed(veille), "the demo's round did not close"

    with veille.session_factory() as session:
        stored_policy = session.scalars(select(Campaign)).one().policy
        attempts = session.scalars(select(CallAttempt)).all()
        follow_ups = Counter(session.scalars(select(FollowUp.reason)))
    hours = calling_hours(stored_policy)
    dialled = [a.dialled_at for a in attempts if a.dialled_at is not None]
    assert dialled and all(open_until(hours, moment, PARIS) is not None for moment in dialled), \
        sorted(moment.astimezone(PARIS).strftime("%H:%M:%S") for moment in dialled)
    assert all(moment.date() == morning.date() for moment in dialled), "one demo day"

    retries = [a for a in attempts if a.attempt_number == 2]
    assert {a.outcome for a in retries} == {"ok", "no_answer"}  # tenant 4 answers, tenant 7 never does
    assert all(a.dialled_at.astimezone(PARIS).hour >= 14 for a in retries), "two hours later, afternoon"
    firsts = [a for a in attempts if a.attempt_number == 1 and a.dialled_at is not None]
    assert all(a.dialled_at.astimezone(PARIS).hour < 13 for a in firsts)
    outcomes = Counter(a.outcome for a in attempts)
    assert outcomes["live_transfer"] == 1
    assert follow_ups["unreachable"] == 1  # tenant 7
    assert follow_ups["help_health"] == 1 and follow_ups["help_food"] == 1
    assert follow_ups["no_key"] == 1  # tenant 5 stays silent
    _assert_figures_summary_is_exact(veille, attempts[0].organisation_id, morning)


def _assert_figures_summary_is_exact(veille, landlord: int, day) -> None:
    """The summary the clock jobs, the dispatcher and the webhooks kept along the round gives the
    facts' figures, and so does its rebuild."""
    viewer = Viewer(0, "coordinator", landlord, "landlord", (landlord,), (landlord,))
    month = current_month(day)
    assert compute(veille, viewer, month).total.reached > 0
    assert_summary_is_the_facts(veille, viewer, month)
    figure_counts.rebuild(veille, landlord)
    assert_summary_is_the_facts(veille, viewer, month)
