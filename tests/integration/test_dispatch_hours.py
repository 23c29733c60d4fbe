"""Dispatch keeps to the calling hours: whatever is due, nobody is rung outside the windows."""

from __future__ import annotations

import logging
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import Round
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.integration.test_dispatch import ManualTime
from tests.integration.test_planning import attempts
from tests.multiprocess_helpers import UNPACED
from tests.multiprocess_helpers import seed_due_attempts
from voice_app.bootstrap import bootstrap
from voice_app.compressed_clock import ANCHOR_FILE
from voice_app.compressed_clock import Anchor
from voice_app.compressed_clock import CompressedClock
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.windows import is_open
from voice_app.services.demo import demo_policy
from voice_app.services.dispatch import DispatcherState
from voice_app.services.dispatch import dispatch_due_calls
from voice_app.services.dispatch import run_dispatcher
from voice_app.services.planning import plan_round
from voice_app.services.retries import schedule_retries
from voice_app.services.rounds import close_finished_rounds

WORKER = "test-host:1"
WORKING_DAYS_ONLY = {"calls_per_second": 1000, "max_concurrent_calls": 1000}  # default windows


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def dispatch(veille, moment, time=None, state=None):
    time = time or ManualTime()
    return dispatch_due_calls(veille, moment, worker_id=WORKER, state=state, sleep=time.sleep,
                              monotonic=time.monotonic)


@pytest.fixture
def planned(veille, organisation):
    """Three tenants planned in the Tuesday round (Tuesday and Wednesday, default windows)."""
    ids = [add_tenant(veille, organisation, f"T-{n}") for n in range(3)]
    campaign = weekly_campaign(veille)
    plan_round(veille, "Hebdo")
    return campaign, ids


def test_a_tuesday_round_rings_nobody_at_half_past_eleven_at_night_and_resumes_at_ten(veille, telephony,
                                                                                       planned):
    campaign, _ids = planned
    night = dispatch(veille, paris(2026, 11, 24, 23, 30))
    assert (night.claimed, telephony.placed) == (0, [])
    assert night.outside_hours == {campaign.id: paris(2026, 11, 25, 10, 0)}
    assert {(a.state, a.claimed_at) for a in attempts(veille)} == {("due", None)}

    morning = dispatch(veille, paris(2026, 11, 25, 10, 0))
    assert (morning.claimed, morning.placed, len(telephony.placed)) == (3, 3, 3)
    assert {a.state for a in attempts(veille)} == {"queued"}


@pytest.mark.parametrize("moment", [paris(2026, 11, 28, 10, 30),  # a Saturday
                                    paris(2026, 11, 11, 10, 30),  # Armistice Day, a Wednesday
                                    paris(2026, 11, 24, 13, 0),  # the lunch break
                                    paris(2026, 11, 24, 7, 0)])  # early morning
def test_a_working_days_campaign_places_nothing_outside_its_windows(veille, telephony, moment):
    seeded = seed_due_attempts(veille.session_factory, 2, now=moment, policy=WORKING_DAYS_ONLY)
    summary = dispatch(veille, moment)
    assert (summary.claimed, telephony.placed) == (0, [])
    assert list(summary.outside_hours) == [seeded.campaign_id]


CHRISTMAS_NIGHT = paris(2026, 12, 25, 3, 0)


def test_an_always_open_campaign_still_dials_at_night_and_on_holidays(veille, telephony):
    christmas_night = CHRISTMAS_NIGHT
    seed_due_attempts(veille.session_factory, 2, now=christmas_night, policy=UNPACED)
    summary = dispatch(veille, christmas_night)
    assert (summary.placed, len(telephony.placed), summary.outside_hours) == (2, 2, {})


@pytest.mark.parametrize("moment", [CHRISTMAS_NIGHT, paris(2026, 12, 25, 13, 0), paris(2026, 12, 25, 18, 0)],
                         ids=["night", "lunch", "evening"])
def test_the_demo_campaign_never_dials_outside_its_calling_hours_even_on_a_holiday(veille, telephony, moment):
    seeded = seed_due_attempts(veille.session_factory, 2, now=moment, policy=demo_policy().to_dict())
    with veille.session_factory.begin() as session:  # a round that lasts until the next evening
        session.execute(update(Round).where(Round.id == seeded.round_id)
                        .values(ends_at=paris(2026, 12, 26, 19, 0)))
    summary = dispatch(veille, moment)
    assert (summary.claimed, telephony.placed) == (0, [])
    morning = dispatch(veille, paris(2026, 12, 26, 10, 0))  # the next morning: the demo calls every day
    assert morning.placed == 2


def test_a_campaign_with_unreadable_calling_hours_is_paused_not_dialled(veille, telephony, now):
    policy = {**WORKING_DAYS_ONLY, "windows": [{"days": ["tue"], "start": "9h", "end": "later"}]}
    seeded = seed_due_attempts(veille.session_factory, 1, now=now, policy=policy)
    summary = dispatch(veille, now)
    assert (summary.claimed, telephony.placed) == (0, [])
    assert "calling hours" in summary.paused[seeded.campaign_id]


def test_a_batch_claimed_just_before_the_window_closes_only_takes_what_fits(veille, telephony):
    moment = paris(2026, 11, 24, 17, 59, 57, 500000)
    seeded = seed_due_attempts(veille.session_factory, 6, now=moment, policy={"calls_per_second": 1})
    summary = dispatch(veille, moment)
    assert (summary.claimed, summary.placed, summary.released) == (3, 3, 0)  # at +0, +1 and +2 s
    states = sorted(a.state for a in attempts(veille, round_id=seeded.round_id))
    assert states == ["due"] * 3 + ["queued"] * 3


def test_a_call_whose_slot_comes_after_the_window_closes_goes_back_to_due(veille, telephony):
    moment = paris(2026, 11, 24, 17, 59, 58)
    seeded = seed_due_attempts(veille.session_factory, 2, now=moment, policy={"calls_per_second": 1})
    time = ManualTime()

    def late_sleep(seconds):  # the machine is slow: each wait overshoots by a second
        time.sleep(seconds + 1)

    summary = dispatch_due_calls(veille, moment, worker_id=WORKER, sleep=late_sleep, monotonic=time.monotonic)
    assert (summary.claimed, summary.placed, summary.released) == (2, 1, 1)
    assert sorted(a.state for a in attempts(veille, round_id=seeded.round_id)) == ["due", "queued"]


def test_a_backlog_of_a_thousand_calls_at_opening_is_dialled_at_the_rate_not_in_a_burst(veille):
    opening = paris(2026, 11, 24, 10, 0)
    seed_due_attempts(veille.session_factory, 1000, now=opening, due_at=opening - timedelta(hours=17),
                      policy={"calls_per_second": 10, "max_concurrent_calls": 100_000})
    time, state = ManualTime(), DispatcherState()
    started = time.now
    sent_at = []
    veille.telephony.place_call = _noting(veille.telephony.place_call, lambda: sent_at.append(time.now))
    while dispatch(veille, opening, time, state).claimed:
        pass
    assert len(sent_at) == 1000
    gaps = [later - earlier for earlier, later in zip(sent_at, sent_at[1:], strict=False)]
    assert min(gaps) == pytest.approx(0.1)  # one call every 0.1 s, from the first to the last
    assert time.now - started == pytest.approx(99.9)


def _noting(place_call, note):
    def noted(call):
        note()
        return place_call(call)
    return noted


def test_calls_still_due_when_the_round_ends_are_cancelled_never_dialled(veille, telephony, planned):
    assert dispatch(veille, paris(2026, 11, 25, 23, 30)).claimed == 0  # Wednesday night, round over
    assert close_finished_rounds(veille, paris(2026, 11, 25, 23, 30)) == 1
    assert dispatch(veille, paris(2026, 11, 26, 10, 0)).claimed == 0  # Thursday morning
    assert telephony.placed == []
    assert {(a.state, a.error) for a in attempts(veille)} == {("cancelled", "round_closed")}


def test_a_retry_after_an_evening_no_answer_lands_in_the_next_window(veille, planned):
    _campaign, ids = planned
    dispatch(veille, paris(2026, 11, 24, 10, 30))
    with veille.session_factory.begin() as session:
        first = session.scalar(select(CallAttempt).where(CallAttempt.tenant_id == ids[0]))
        first.state, first.outcome = "ended", "no_answer"
        first.dialled_at, first.ended_at = paris(2026, 11, 24, 17, 50), paris(2026, 11, 24, 17, 51)
    schedule_retries(veille, paris(2026, 11, 24, 17, 52))
    [retry] = attempts(veille, tenant_id=ids[0], attempt_number=2)
    assert retry.due_at == paris(2026, 11, 25, 10, 0)
    assert is_open(CampaignPolicy(), retry.due_at)


def test_the_dispatcher_loop_says_once_that_a_campaign_waits_for_its_window(settings, telephony, caplog):
    night = paris(2026, 11, 24, 23, 30)
    veille = bootstrap(settings, telephony=telephony, clock=lambda: night)
    seeded = seed_due_attempts(veille.session_factory, 1, now=night, policy=WORKING_DAYS_ONLY)
    stop, passes = threading.Event(), []
    original_wait = stop.wait

    def counting_wait(timeout=None):
        passes.append(timeout)
        if len(passes) >= 3:
            stop.set()
        return original_wait(0)

    stop.wait = counting_wait
    caplog.set_level(logging.INFO, logger="veille.dispatch")
    run_dispatcher(veille, stop, worker_id=WORKER, idle_seconds=0.01)
    veille.close()
    waiting = [r.getMessage() for r in caplog.records if "dispatch.outside_calling_hours" in r.getMessage()]
    assert waiting == [f"dispatch.outside_calling_hours campaign_id={seeded.campaign_id} "
                       f"opens_at={paris(2026, 11, 25, 10, 0).astimezone(UTC).isoformat()}"]
    assert telephony.placed == []


def test_on_the_demos_compressed_clock_no_call_is_placed_after_the_window_closes(settings, telephony,
                                                                                tmp_path):
    """Five demo minutes before 12:30 are 2.5 real seconds at 120 times: the pace (one call a
    real second, two demo minutes) lets two calls through, never one at 12:31."""
    time = ManualTime()
    real_start = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)
    anchor = Anchor(real_start, paris(2026, 12, 2, 12, 25).astimezone(UTC))
    (tmp_path / ANCHOR_FILE).write_text(anchor.to_json())
    clock = CompressedClock(120, tmp_path / ANCHOR_FILE, monotonic=time.monotonic,
                            real_clock=lambda: real_start + timedelta(seconds=time.now - 1000.0))
    veille = bootstrap(settings, telephony=telephony, clock=clock)
    try:
        now = veille.clock()
        seeded = seed_due_attempts(veille.session_factory, 6, now=now, policy={"calls_per_second": 1})
        summary = dispatch(veille, now, time)
        dialled = [a.dialled_at for a in attempts(veille, round_id=seeded.round_id) if a.dialled_at]
    finally:
        veille.close()
    assert summary.placed == len(dialled) == 2 and summary.released >= 1
    assert all(moment < paris(2026, 12, 2, 12, 30) for moment in dialled), dialled
