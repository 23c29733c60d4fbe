"""Call windows in Paris time: holidays, weekends, noon, and the two daylight-saving Sundays."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from tests.policies import always_open_policy
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import parse_window
from voice_app.domain.windows import Interval
from voice_app.domain.windows import calling_hours
from voice_app.domain.windows import day_intervals
from voice_app.domain.windows import half_day_of
from voice_app.domain.windows import intervals_between
from voice_app.domain.windows import is_call_day
from voice_app.domain.windows import is_open
from voice_app.domain.windows import next_open_at
from voice_app.domain.windows import open_until

DEFAULT = CampaignPolicy()
SPRING_FORWARD = date(2026, 3, 29)  # last Sunday of March: 02:00 -> 03:00
FALL_BACK = date(2026, 10, 25)  # last Sunday of October: 03:00 -> 02:00


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def every_day(*windows: str) -> CampaignPolicy:
    return CampaignPolicy(rhythm="daily", include_holidays=True,
                          windows=tuple(parse_window(f"mon-sun {w}") for w in windows))


def test_a_winter_weekday_has_a_morning_and_an_afternoon_window_in_utc():
    assert day_intervals(DEFAULT, date(2026, 11, 24)) == [
        Interval(utc(2026, 11, 24, 9, 0), utc(2026, 11, 24, 11, 30), "am"),
        Interval(utc(2026, 11, 24, 13, 0), utc(2026, 11, 24, 17, 0), "pm"),
    ]


def test_a_summer_weekday_is_shifted_by_daylight_saving_time():
    first = day_intervals(DEFAULT, date(2026, 6, 16))[0]
    assert (first.start, first.end) == (utc(2026, 6, 16, 8, 0), utc(2026, 6, 16, 10, 30))


@pytest.mark.parametrize("holiday", [
    date(2026, 5, 1),  # Fête du Travail
    date(2026, 7, 14),  # Fête nationale
    date(2026, 11, 11),  # Armistice
    date(2026, 5, 14),  # Ascension
    date(2026, 5, 25),  # Lundi de Pentecôte
])
def test_no_window_opens_on_a_public_holiday_unless_the_policy_includes_holidays(holiday):
    assert day_intervals(DEFAULT, holiday) == []
    assert not is_call_day(DEFAULT, holiday)
    assert len(day_intervals(DEFAULT.with_changes(include_holidays=True), holiday)) == 2


def test_the_default_windows_are_closed_at_the_weekend_but_an_every_day_policy_opens():
    saturday = date(2026, 11, 28)
    assert day_intervals(DEFAULT, saturday) == []
    assert len(day_intervals(every_day("10:00-12:30", "14:00-18:00"), saturday)) == 2


def test_a_window_spanning_noon_is_cut_at_the_half_day_split_of_13_00():
    policy = CampaignPolicy(windows=(parse_window("mon-fri 11:00-14:00"),))
    assert day_intervals(policy, date(2026, 11, 24)) == [
        Interval(utc(2026, 11, 24, 10, 0), utc(2026, 11, 24, 12, 0), "am"),  # 11:00-13:00 Paris
        Interval(utc(2026, 11, 24, 12, 0), utc(2026, 11, 24, 13, 0), "pm"),  # 13:00-14:00 Paris
    ]


def test_the_half_day_changes_at_13_00_paris_time():
    assert half_day_of(paris(2026, 11, 24, 12, 59)) == (date(2026, 11, 24), "am")
    assert half_day_of(paris(2026, 11, 24, 13, 0)) == (date(2026, 11, 24), "pm")
    assert half_day_of(utc(2026, 11, 24, 23, 30)) == (date(2026, 11, 25), "am")  # already Wednesday in Paris


def test_an_all_day_window_lasts_23_hours_on_the_spring_forward_sunday():
    intervals = day_intervals(always_open_policy(), SPRING_FORWARD)
    assert intervals[0].start == utc(2026, 3, 28, 23, 0) and intervals[-1].end == utc(2026, 3, 29, 22, 0)
    assert sum(i.seconds for i in intervals) == 23 * 3600
    assert intervals[0].end == paris(2026, 3, 29, 13, 0).astimezone(UTC) == utc(2026, 3, 29, 11, 0)


def test_an_all_day_window_lasts_25_hours_on_the_fall_back_sunday():
    intervals = day_intervals(always_open_policy(), FALL_BACK)
    assert intervals[0].start == utc(2026, 10, 24, 22, 0) and intervals[-1].end == utc(2026, 10, 25, 23, 0)
    assert sum(i.seconds for i in intervals) == 25 * 3600


def test_a_window_lying_inside_the_spring_forward_gap_is_empty_that_day_only():
    policy = every_day("02:00-03:00")
    assert day_intervals(policy, SPRING_FORWARD) == []
    assert day_intervals(policy, SPRING_FORWARD + timedelta(days=1)) == [
        Interval(utc(2026, 3, 30, 0, 0), utc(2026, 3, 30, 1, 0), "am")]


def test_a_nonexistent_wall_time_is_read_as_the_instant_an_hour_later():
    policy = every_day("02:30-05:00")
    (interval,) = day_intervals(policy, SPRING_FORWARD)
    assert interval.start == utc(2026, 3, 29, 1, 30)  # 03:30 summer time
    assert interval.end == utc(2026, 3, 29, 3, 0)  # 05:00 summer time


def test_an_ambiguous_wall_time_means_its_first_occurrence_on_the_fall_back_sunday():
    policy = every_day("02:30-04:00")
    (interval,) = day_intervals(policy, FALL_BACK)
    assert interval.start == utc(2026, 10, 25, 0, 30)  # 02:30 summer time, the first one
    assert interval.end == utc(2026, 10, 25, 3, 0)
    assert interval.seconds == 2.5 * 3600


def test_is_open_inside_a_window_and_closed_at_lunch():
    assert is_open(DEFAULT, paris(2026, 11, 24, 10, 0))
    assert not is_open(DEFAULT, paris(2026, 11, 24, 12, 30))
    assert not is_open(DEFAULT, paris(2026, 11, 24, 13, 0))
    assert is_open(DEFAULT, paris(2026, 11, 24, 17, 59))


def test_the_next_open_instant_skips_lunch_and_avoided_half_days():
    after_lunch = next_open_at(DEFAULT, paris(2026, 11, 24, 12, 40), utc(2026, 11, 30))
    assert after_lunch == paris(2026, 11, 24, 14, 0)
    avoiding = frozenset({(date(2026, 11, 24), "pm")})
    assert next_open_at(DEFAULT, paris(2026, 11, 24, 12, 40), utc(2026, 11, 30), avoiding) == paris(
        2026, 11, 25, 10, 0)


def test_there_is_no_next_open_instant_past_the_limit():
    assert next_open_at(DEFAULT, paris(2026, 11, 24, 18, 0), paris(2026, 11, 25, 10, 0)) is None


def test_the_next_open_instant_jumps_a_holiday_weekend():
    friday_evening = paris(2026, 11, 6, 18, 30)  # Saturday, Sunday, then Wednesday 11 November is a holiday
    assert next_open_at(DEFAULT, friday_evening, utc(2026, 11, 20)) == paris(2026, 11, 9, 10, 0)


def test_intervals_between_are_clipped_to_the_span():
    intervals = intervals_between(DEFAULT, paris(2026, 11, 24, 11, 0), paris(2026, 11, 24, 15, 0))
    assert [(i.start, i.end) for i in intervals] == [
        (paris(2026, 11, 24, 11, 0), paris(2026, 11, 24, 12, 30)),
        (paris(2026, 11, 24, 14, 0), paris(2026, 11, 24, 15, 0)),
    ]


def test_a_window_in_progress_says_when_it_closes():
    assert open_until(DEFAULT, paris(2026, 11, 24, 10, 30)) == paris(2026, 11, 24, 12, 30)
    assert open_until(DEFAULT, paris(2026, 11, 24, 17, 59)) == paris(2026, 11, 24, 18, 0)


def test_outside_every_window_nothing_is_open_until_anything():
    assert open_until(DEFAULT, paris(2026, 11, 24, 23, 30)) is None
    assert open_until(DEFAULT, paris(2026, 11, 24, 12, 30)) is None  # the end is not inside
    assert open_until(DEFAULT, paris(2026, 11, 28, 10, 30)) is None  # a Saturday
    assert open_until(DEFAULT, paris(2026, 11, 11, 10, 30)) is None  # Armistice Day


def test_a_window_across_the_half_day_split_closes_at_its_own_end_not_at_one_pm():
    policy = every_day("11:00-14:00")
    assert open_until(policy, paris(2026, 11, 24, 12, 0)) == paris(2026, 11, 24, 14, 0)


def test_an_all_day_window_runs_on_past_midnight():
    assert open_until(always_open_policy(), paris(2026, 11, 24, 23, 59)) > paris(2026, 11, 25, 23, 0)


def test_calling_hours_are_read_even_when_the_rate_is_damaged():
    stored = {**always_open_policy().to_dict(), "calls_per_second": "vite", "max_attempts": 0}
    assert is_open(calling_hours(stored), paris(2026, 11, 28, 23, 30))
    assert calling_hours({"calls_per_second": 0}).windows == DEFAULT.windows


def test_damaged_calling_hours_are_an_invalid_policy():
    with pytest.raises(InvalidPolicy):
        calling_hours({"windows": [{"days": ["mon"], "start": "25:00", "end": "26:00"}]})
