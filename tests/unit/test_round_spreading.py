"""Rounds: occurrences, length, and first attempts spread over the windows at the rate."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from tests.policies import always_open_policy
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import urgent_policy
from voice_app.domain.rounds import ANY
from voice_app.domain.rounds import EXPECTED_CALL_SECONDS
from voice_app.domain.rounds import dialling_rate
from voice_app.domain.rounds import is_time_to_plan
from voice_app.domain.rounds import round_span
from voice_app.domain.rounds import round_starting_on
from voice_app.domain.rounds import spread
from voice_app.domain.windows import intervals_between
from voice_app.domain.windows import is_open

MONDAYS = CampaignPolicy(weekdays=frozenset({0}))


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def round_intervals(policy: CampaignPolicy, day: date, now: datetime | None = None):
    span = round_span(policy, day)
    return intervals_between(policy, max(span.starts_at, now or span.starts_at), span.ends_at)


def all_due_times(plan, counts: dict[str, int]) -> list[datetime]:
    return sorted(plan.due_at(group, rank) for group, n in counts.items() for rank in range(n))


def test_a_weekly_round_runs_from_its_first_window_to_the_end_of_its_second_call_day():
    span = round_starting_on(MONDAYS, date(2026, 11, 23))
    assert (span.starts_at, span.ends_at) == (paris(2026, 11, 23, 10, 0), paris(2026, 11, 24, 18, 0))


def test_a_round_never_reaches_the_next_occurrence():
    policy = CampaignPolicy(weekdays=frozenset({0, 1}), round_days=3)
    assert round_starting_on(policy, date(2026, 11, 23)).ends_at == paris(2026, 11, 23, 18, 0)


def test_a_round_counts_call_days_so_a_friday_round_continues_on_monday():
    fridays = CampaignPolicy(weekdays=frozenset({4}))
    assert round_starting_on(fridays, date(2026, 11, 27)).ends_at == paris(2026, 11, 30, 18, 0)


def test_an_occurrence_on_whit_monday_moves_to_tuesday():
    assert round_starting_on(MONDAYS, date(2026, 5, 25)) is None
    span = round_starting_on(MONDAYS, date(2026, 5, 26))
    assert span.starts_at == paris(2026, 5, 26, 10, 0) and span.ends_at == paris(2026, 5, 27, 18, 0)


def test_an_urgent_daily_round_lasts_the_day_even_on_a_sunday():
    span = round_starting_on(urgent_policy(), date(2026, 7, 12))
    assert (span.starts_at, span.ends_at) == (paris(2026, 7, 12, 10, 0), paris(2026, 7, 12, 18, 0))


def test_the_demo_round_covers_the_whole_day_across_daylight_saving_changes():
    spring = round_starting_on(always_open_policy(), date(2026, 3, 29))
    autumn = round_starting_on(always_open_policy(), date(2026, 10, 25))
    assert spring.ends_at - spring.starts_at == timedelta(hours=23)
    assert autumn.ends_at - autumn.starts_at == timedelta(hours=25)


def test_a_round_is_planned_from_half_an_hour_before_its_window_until_it_ends():
    span = round_starting_on(MONDAYS, date(2026, 11, 23))
    assert not is_time_to_plan(span, paris(2026, 11, 23, 9, 29))
    assert is_time_to_plan(span, paris(2026, 11, 23, 9, 30))
    assert is_time_to_plan(span, paris(2026, 11, 24, 17, 59))
    assert not is_time_to_plan(span, paris(2026, 11, 24, 18, 0))


def test_the_dialling_rate_is_bounded_by_the_lines_available():
    ten_lines = CampaignPolicy(calls_per_second=1, max_concurrent_calls=10)
    assert dialling_rate(ten_lines) == 10 / EXPECTED_CALL_SECONDS
    assert dialling_rate(CampaignPolicy(calls_per_second=2, max_concurrent_calls=600)) == 2


def test_first_attempts_are_one_interval_apart_from_the_windows_start():
    plan = spread(round_intervals(MONDAYS, date(2026, 11, 23)), {ANY: 5}, 0.5)
    assert all_due_times(plan, {ANY: 5}) == [paris(2026, 11, 23, 10, 0) + timedelta(seconds=2 * k)
                                             for k in range(5)]
    assert not plan.over_capacity


@pytest.mark.parametrize(("calls_per_second", "lines"), [(1, 10), (5, 60), (1, 600), (20, 2000)])
def test_a_round_spread_never_exceeds_the_rate_nor_the_lines(calls_per_second, lines):
    policy = MONDAYS.with_changes(calls_per_second=calls_per_second, max_concurrent_calls=lines)
    counts = {ANY: 5000, "am": 700, "pm": 900}
    plan = spread(round_intervals(policy, date(2026, 11, 23)), counts, dialling_rate(policy))
    due = all_due_times(plan, counts)
    assert len(due) == len(set(due)) == sum(counts.values())
    gaps = [(b - a).total_seconds() for a, b in zip(due, due[1:], strict=False)]
    assert min(gaps) >= 1 / calls_per_second - 1e-6
    per_call = timedelta(seconds=EXPECTED_CALL_SECONDS)
    window_starts = 0
    for index, moment in enumerate(due):  # calls started within one call's length never exceed the lines
        while due[window_starts] <= moment - per_call:
            window_starts += 1
        assert index - window_starts + 1 <= lines
    assert all(is_open(policy, moment) for moment in due)


def test_preferred_half_days_are_served_in_their_half_day():
    counts = {"am": 3, "pm": 3, ANY: 3}
    plan = spread(round_intervals(MONDAYS, date(2026, 11, 23)), counts, 0.1)
    hours = {group: {plan.due_at(group, r).astimezone(PARIS).hour for r in range(3)} for group in counts}
    assert hours == {"am": {10}, "pm": {14}, ANY: {10}}


def test_preferences_give_way_when_their_half_day_cannot_hold_everyone():
    counts = {"pm": 3000}  # 10:00-12:30 + 14:00-18:00 on two days at 0.1/s: pm holds 2880
    plan = spread(round_intervals(MONDAYS, date(2026, 11, 23)), counts, 0.1)
    due = all_due_times(plan, counts)
    assert not plan.over_capacity and len(set(due)) == 3000
    assert due[0] == paris(2026, 11, 23, 10, 0)


def test_a_round_too_big_for_the_rate_is_tightened_but_stays_inside_the_windows():
    policy = MONDAYS
    counts = {ANY: 100_000}
    plan = spread(round_intervals(policy, date(2026, 11, 23)), counts, dialling_rate(policy))
    due = all_due_times(plan, counts)
    assert plan.over_capacity and plan.rate > dialling_rate(policy)
    assert len(set(due)) == 100_000 and all(is_open(policy, moment) for moment in due[::997] + due[-1:])


def test_spreading_starts_from_now_when_planned_late():
    now = paris(2026, 11, 23, 15, 7)
    plan = spread(round_intervals(MONDAYS, date(2026, 11, 23), now), {ANY: 2, "am": 1}, 0.1)
    assert plan.due_at(ANY, 0) == now and plan.due_at("am", 0) == paris(2026, 11, 24, 10, 0)


def test_spreading_is_deterministic_and_empty_rounds_need_no_window():
    intervals = round_intervals(MONDAYS, date(2026, 11, 23))
    assert spread(intervals, {ANY: 50, "pm": 7}, 0.3) == spread(intervals, {ANY: 50, "pm": 7}, 0.3)
    assert spread([], {}, 1.0).ranges == ()
    with pytest.raises(ValueError):
        spread([], {ANY: 1}, 1.0)


def test_all_due_times_are_utc():
    plan = spread(round_intervals(MONDAYS, date(2026, 11, 23)), {ANY: 1}, 1.0)
    assert plan.due_at(ANY, 0).tzinfo == UTC
