"""Pacing rules: the campaign's calls per second and its maximum of simultaneous calls."""

from __future__ import annotations

import pytest

from voice_app.domain.rate import DEFAULT_CALLS_PER_SECOND
from voice_app.domain.rate import DEFAULT_MAX_CONCURRENT_CALLS
from voice_app.domain.rate import Pacer
from voice_app.domain.rate import ProviderPause
from voice_app.domain.rate import RateLimits
from voice_app.domain.rate import account_rate
from voice_app.domain.rate import claim_size
from voice_app.domain.rate import rate_limits


def test_a_policy_without_rate_keys_gets_the_defaults():
    limits = rate_limits({})
    assert (limits.calls_per_second, limits.max_concurrent_calls) == (1.0, 10)
    assert (DEFAULT_CALLS_PER_SECOND, DEFAULT_MAX_CONCURRENT_CALLS) == (1.0, 10)
    assert not limits.paused


def test_a_missing_policy_gets_the_defaults():
    assert rate_limits(None) == RateLimits(1.0, 10)


def test_the_rate_keys_are_read_from_the_policy():
    assert rate_limits({"calls_per_second": 2.5, "max_concurrent_calls": 30}) == RateLimits(2.5, 30)


@pytest.mark.parametrize("policy, reason", [
    ({"calls_per_second": 0}, "calls_per_second is 0"),
    ({"max_concurrent_calls": 0}, "max_concurrent_calls is 0"),
])
def test_a_rate_or_maximum_of_zero_pauses_the_campaign(policy, reason):
    limits = rate_limits(policy)
    assert limits.paused
    assert limits.pause_reason == reason


@pytest.mark.parametrize("value", ["fast", -1, True, [3], float("nan")])
def test_a_rate_that_is_not_a_positive_number_pauses_the_campaign_with_the_reason(value):
    limits = rate_limits({"calls_per_second": value})
    assert limits.paused
    assert "calls_per_second" in limits.pause_reason


def test_a_numeric_string_is_accepted():
    assert rate_limits({"calls_per_second": "5", "max_concurrent_calls": "7"}) == RateLimits(5.0, 7)


def test_the_claim_is_limited_by_the_free_call_slots():
    assert claim_size(RateLimits(100, 10), active_calls=7, limit=200) == 3


def test_no_claim_when_every_call_slot_is_taken():
    assert claim_size(RateLimits(100, 10), active_calls=10, limit=200) == 0
    assert claim_size(RateLimits(100, 10), active_calls=12, limit=200) == 0


def test_the_claim_covers_about_five_seconds_of_dialling():
    assert claim_size(RateLimits(5, 1000), active_calls=0, limit=200) == 25


def test_a_slow_campaign_still_claims_one_attempt():
    assert claim_size(RateLimits(0.1, 10), active_calls=0, limit=200) == 1


def test_the_claim_never_exceeds_the_callers_limit():
    assert claim_size(RateLimits(1000, 10_000), active_calls=0, limit=50) == 50


def test_a_paused_campaign_claims_nothing():
    assert claim_size(RateLimits(0, 10), active_calls=0, limit=200) == 0


def test_the_first_call_goes_at_once_then_one_per_interval():
    pacer = Pacer(calls_per_second=4)
    assert pacer.reserve(100.0) == 0
    assert pacer.reserve(100.0) == pytest.approx(0.25)
    assert pacer.reserve(100.0) == pytest.approx(0.5)


def test_n_calls_take_n_minus_one_intervals_whatever_the_callers_lateness():
    pacer = Pacer(calls_per_second=10)
    now = 0.0
    starts = []
    for _ in range(101):
        now += pacer.reserve(now)
        starts.append(now)
        now += 0.003  # each provider call and its bookkeeping take a little time
    assert starts[-1] - starts[0] == pytest.approx(10.0)


def test_a_short_gap_between_batches_keeps_the_grid():
    pacer = Pacer(calls_per_second=10)
    assert pacer.reserve(0.0) == 0
    assert pacer.reserve(0.15) == 0  # slot 0.1 is late by 0.05 (< one interval): caught up
    assert pacer.reserve(0.15) == pytest.approx(0.05)  # back on the grid at 0.2


def test_slots_missed_while_claiming_the_next_batch_are_caught_up_at_once():
    pacer = Pacer(calls_per_second=100)
    assert pacer.reserve(0.0) == 0
    waits = [pacer.reserve(0.08) for _ in range(9)]  # 80 ms spent claiming: slots 0.01..0.08 missed
    assert waits[:8] == [0] * 8
    assert waits[8] == pytest.approx(0.01)


def test_a_gap_longer_than_the_catch_up_allowance_restarts_the_grid():
    pacer = Pacer(calls_per_second=100)
    pacer.reserve(0.0)
    assert pacer.reserve(0.2) == 0
    assert pacer.reserve(0.2) == pytest.approx(0.01)


def test_no_window_sees_more_than_the_rate_plus_the_catch_up_allowance():
    pacer, now, sent = Pacer(calls_per_second=100), 0.0, []
    for index in range(2000):
        if index % 500 == 0:
            now += 0.09  # claiming the next batch
        now += pacer.reserve(now)
        sent.append(now)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 1.0) <= 111


def test_idle_time_is_never_banked_into_a_burst():
    pacer = Pacer(calls_per_second=10)
    pacer.reserve(0.0)
    assert pacer.reserve(60.0) == 0
    assert pacer.reserve(60.0) == pytest.approx(0.1)


def test_a_changed_rate_applies_from_the_next_slot():
    pacer = Pacer(calls_per_second=10)
    pacer.reserve(0.0)
    pacer.set_rate(2)
    assert pacer.reserve(0.0) == pytest.approx(0.1)
    assert pacer.reserve(0.0) == pytest.approx(0.6)


def test_campaigns_sharing_the_account_dial_at_the_lowest_of_their_rates():
    assert account_rate([RateLimits(5.0, 100), RateLimits(2.0, 10), RateLimits(30.0, 10)]) == 2.0


def test_a_paused_campaign_does_not_lower_the_account_rate():
    assert account_rate([RateLimits(5.0, 100), RateLimits(0.0, 10), RateLimits(3.0, 0)]) == 5.0
    assert account_rate([RateLimits(0.0, 10)]) is None
    assert account_rate([]) is None


def test_a_provider_pause_blocks_calls_until_it_ends():
    pause = ProviderPause()
    assert not pause.blocks(100.0)
    assert pause.start(100.0) == 60.0
    assert pause.blocks(100.0) and pause.blocks(159.9)
    assert not pause.blocks(160.0)


def test_refusals_in_flight_during_a_pause_do_not_lengthen_it():
    pause = ProviderPause()
    pause.start(100.0)
    assert pause.start(101.0) is None
    assert pause.until == 160.0


def test_each_pause_in_a_row_is_twice_as_long_up_to_the_cap_and_a_placed_call_resets_it():
    pause = ProviderPause(first_seconds=60.0, max_seconds=300.0)
    lengths = []
    moment = 0.0
    for _ in range(5):
        lengths.append(pause.start(moment))
        moment = pause.until
    assert lengths == [60.0, 120.0, 240.0, 300.0, 300.0]
    pause.call_placed()
    assert pause.start(moment) == 60.0
