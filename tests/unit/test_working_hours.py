"""Working hours: time that counts for a person's task (DST, holidays, custom hours)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest

from voice_app.domain.working_hours import DEFAULT_HOURS
from voice_app.domain.working_hours import WorkingHours


def test_adding_within_the_day_is_plain_addition():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 Paris
    assert DEFAULT_HOURS.add(start, timedelta(hours=3)) == start + timedelta(hours=3)


def test_time_outside_hours_starts_counting_at_the_next_opening():
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    monday_10h = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert DEFAULT_HOURS.add(sunday, timedelta(hours=1)) == monday_10h


def test_counting_spans_a_dst_night():
    saturday_evening = datetime(2026, 10, 24, 16, 0, tzinfo=UTC)  # 18:00 CEST, DST ends that night
    due = DEFAULT_HOURS.add(saturday_evening, timedelta(hours=2))  # 1 h Saturday, 1 h Monday from 9:00 CET
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_public_holidays_are_not_worked():
    assert not DEFAULT_HOURS.is_working_day(date(2026, 12, 25))
    assert DEFAULT_HOURS.next_working_day(date(2026, 12, 24)) == date(2026, 12, 26)  # a Saturday


def test_settings_round_trip_and_bad_hours_are_refused():
    hours = WorkingHours.from_settings({"working_hours": {"weekdays": [0, 1, 2, 3, 4], "start": "08:30",
                                                          "end": "17:00"}})
    assert hours == WorkingHours(frozenset(range(5)), time(8, 30), time(17, 0))
    assert WorkingHours.from_settings({"working_hours": hours.to_settings()}) == hours
    assert WorkingHours.from_settings({}) == DEFAULT_HOURS
    with pytest.raises(ValueError, match="Horaires de travail invalides"):
        WorkingHours(frozenset(), time(9), time(19))
    with pytest.raises(ValueError):
        WorkingHours(frozenset({0}), time(19), time(9))


@pytest.mark.parametrize("at, expected", [
    # 01:30 Paris on 29 March 2026: at 02:00 clocks jump to 03:00; two real hours end at 04:30.
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, tzinfo=UTC)),
    # 02:30 Paris (summer time) on 25 October 2026: at 03:00 clocks go back to 02:00.
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
])
def test_working_time_across_the_clock_change_is_real_time(at, expected):
    """An organisation working around the clock: its delays are real hours, even the night the
    clocks change."""
    always = WorkingHours(frozenset(range(7)), time(0, 0), time(23, 59))
    assert always.add(at, timedelta(hours=2)) == expected
