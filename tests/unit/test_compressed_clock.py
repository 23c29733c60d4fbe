"""The demo's compressed clock: demo time runs `scale` times faster, starts a demo morning just
before the calling windows, only ever moves forward, and never reaches a real provider."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from scheduler.clock import job_period
from scheduler.jobs import JOBS
from voice_app.bootstrap import build_clock
from voice_app.bootstrap import system_clock
from voice_app.compressed_clock import ANCHOR_FILE
from voice_app.compressed_clock import Anchor
from voice_app.compressed_clock import CompressedClock
from voice_app.compressed_clock import next_demo_morning
from voice_app.compressed_clock import real_seconds_before_close
from voice_app.config import ConfigError
from voice_app.config import Settings
from voice_app.domain.calendar import PARIS

REAL_START = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)  # 14:20 in Paris


class RealTime:
    """The real clock and monotonic time, moved by the test."""

    def __init__(self) -> None:
        self.now, self.seconds = REAL_START, 0.0

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


@pytest.fixture
def real():
    return RealTime()


def compressed(real: RealTime, path, scale: float = 120) -> CompressedClock:
    return CompressedClock(scale, path, real_clock=lambda: real.now, monotonic=lambda: real.seconds)


def paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m %H:%M:%S")


def test_an_anchor_runs_scale_times_faster_than_real_time():
    anchor = Anchor(REAL_START, datetime(2026, 12, 2, 8, 55, tzinfo=UTC))
    assert anchor.at(REAL_START + timedelta(seconds=30), 120) == datetime(2026, 12, 2, 9, 55, tzinfo=UTC)
    assert Anchor.from_json(anchor.to_json()) == anchor


@pytest.mark.parametrize(("now", "morning"), [
    (datetime(2026, 12, 1, 7, 0, tzinfo=UTC), "01/12 09:50:00"),  # 08:00 Paris: this morning
    (datetime(2026, 12, 1, 8, 50, tzinfo=UTC), "02/12 09:50:00"),  # 09:50 exactly: the next one
    (datetime(2026, 12, 1, 22, 30, tzinfo=UTC), "02/12 09:50:00"),  # 23:30 Paris
    (datetime(2027, 3, 27, 23, 0, tzinfo=UTC), "28/03 09:50:00"),  # the night summer time starts
])
def test_the_demo_morning_is_the_next_950_in_paris(now, morning):
    assert paris(next_demo_morning(now)) == morning


def test_without_an_anchor_the_clock_reads_real_time(real, tmp_path):
    clock = compressed(real, tmp_path / ANCHOR_FILE)
    assert clock() == REAL_START and not clock.anchored


def test_starting_a_demo_day_puts_every_process_at_the_next_morning(real, tmp_path):
    path = tmp_path / ANCHOR_FILE
    seeding, web = compressed(real, path), compressed(real, path)
    assert web() == REAL_START  # read before the anchor exists
    morning = seeding.start_demo_day()
    assert paris(morning) == "02/12 09:50:00" and seeding() == morning
    real.wait(5)  # 10 demo minutes; the web process reads the file again after REFRESH_SECONDS
    assert paris(seeding()) == paris(web()) == "02/12 10:00:00"
    real.wait(120)  # two real minutes: four demo hours
    assert paris(web()) == "02/12 14:00:00"


def test_a_new_demo_day_only_moves_time_forward(real, tmp_path):
    clock = compressed(real, tmp_path / ANCHOR_FILE)
    first = clock.start_demo_day()
    real.wait(60)  # 11:50 demo time
    second = clock.start_demo_day()
    assert second - first == timedelta(days=1) and clock() == second


def test_an_unreadable_anchor_keeps_the_last_good_one(real, tmp_path, caplog):
    path = tmp_path / ANCHOR_FILE
    clock = compressed(real, path)
    morning = clock.start_demo_day()
    path.write_text("{not json", encoding="utf-8")
    real.wait(1.5)
    assert clock() == morning + timedelta(seconds=1.5 * 120)
    assert "demo.clock_anchor_unreadable" in caplog.text


def test_a_dispatcher_stops_dialling_before_a_compressed_window_closes():
    assert real_seconds_before_close(300, 1) == 300  # real time: unchanged
    assert real_seconds_before_close(300, 120) == pytest.approx(2.5 - 0.5)  # 5 demo minutes, margin kept


def test_jobs_run_as_often_in_demo_time_but_at_most_every_two_real_seconds():
    by_name = {job.name: job for job in JOBS}
    assert job_period(by_name["plan_rounds"], 1) == (60, 50)
    assert job_period(by_name["plan_rounds"], 120) == (2.0, 1)
    assert job_period(by_name["forget_sign_in_attempts"], 120) == (30.0, 24)


def test_the_compressed_clock_is_a_setting_of_the_simulator_only(tmp_path):
    demo = Settings(DATABASE_URL="sqlite://", DEMO_TIME_SCALE=120, VEILLE_INSTANCE_DIR=str(tmp_path))
    clock = build_clock(demo)
    assert isinstance(clock, CompressedClock) and clock.anchor_path == tmp_path / ANCHOR_FILE
    assert demo.simulator_time_scale == 120, "calls last as long on the demo's clock"
    assert build_clock(replace(demo, DEMO_TIME_SCALE=0)) is system_clock
    with pytest.raises(ConfigError, match="opérateur téléphonique réel"):
        replace(demo, TELEPHONY_PROVIDER="twilio", TWILIO_AUTH_TOKEN="x").check()
    with pytest.raises(ConfigError, match="DEMO_TIME_SCALE doit valoir"):
        replace(demo, DEMO_TIME_SCALE=0.5).check()


def test_a_real_provider_in_the_environment_refuses_a_compressed_clock():
    environ = {"DEMO_TIME_SCALE": "120", "TELEPHONY_PROVIDER": "twilio", "TWILIO_AUTH_TOKEN": "x"}
    with pytest.raises(ConfigError, match="Retirez DEMO_TIME_SCALE"):
        Settings.from_env(environ)
