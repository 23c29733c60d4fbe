"""Pacing rules: the campaign's calls per second and its maximum of simultaneous calls."""

from __future__ import annotations

from bisect import bisect_left

import pytest

from voice_app.domain.rate import CATCH_UP_SECONDS
from voice_app.domain.rate import CLAIM_LEAD_SECONDS
from voice_app.domain.rate import DEFAULT_CALLS_PER_SECOND
from voice_app.domain.rate import DEFAULT_MAX_CONCURRENT_CALLS
from voice_app.domain.rate import Pacer
from voice_app.domain.rate import ProviderPause
from voice_app.domain.rate import RateLimits
from voice_app.domain.rate import account_rate
from voice_app.domain.rate import claim_size
from voice_app.domain.rate import rate_limits
from voice_app.domain.rate import seconds_of_dialling
from voice_app.domain.rate import time_to_claim_next


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


def test_the_calls_in_hand_last_their_number_over_the_rate():
    assert seconds_of_dialling(250, 100) == 2.5
    assert seconds_of_dialling(3, 0.5) == 6.0
    assert seconds_of_dialling(10, 0) == 0.0


def test_the_next_claim_starts_once_the_calls_in_hand_last_no_more_than_the_lead():
    assert CLAIM_LEAD_SECONDS == 1.0
    assert not time_to_claim_next(seconds_of_dialling(101, 100))
    assert time_to_claim_next(seconds_of_dialling(100, 100))
    assert time_to_claim_next(0.0)
    assert time_to_claim_next(2.0, lead_seconds=3.0) and not time_to_claim_next(2.0, lead_seconds=1.5)


def dial_batches(rate: float, batches: int, batch_size: int, claim_seconds: float,
                 lead_seconds: float = CLAIM_LEAD_SECONDS) -> list[float]:
    """The dispatcher loop in virtual time: one thread takes the pacer's slots while each claim
    (which takes `claim_seconds`) starts once the calls in hand last no more than the lead;
    with no call in hand, the dialler waits for the claim. Returns when each call went out."""
    pacer, now, sent = Pacer(calls_per_second=rate), 0.0, []
    in_hand, left_to_claim, ready_at = 0, batches - 1, claim_seconds
    while True:
        if ready_at is None and left_to_claim and time_to_claim_next(seconds_of_dialling(in_hand, rate),
                                                                   lead_seconds):
            left_to_claim, ready_at = left_to_claim - 1, now + claim_seconds
        if ready_at is not None and (in_hand == 0 or ready_at <= now):
            now, in_hand, ready_at = max(now, ready_at), in_hand + batch_size, None
        if not in_hand:
            return sent
        now += pacer.reserve(now)
        sent.append(now)
        in_hand -= 1
        now += 0.002  # handing the call to a dial thread


def most_calls_in_any(window: float, sent: list[float]) -> int:
    return max(bisect_left(sent, start + window) - index for index, start in enumerate(sent))


def test_claiming_when_the_batch_runs_out_loses_each_claims_time():
    sent = dial_batches(rate=100, batches=3, batch_size=500, claim_seconds=0.3, lead_seconds=0.0)
    assert len(sent) == 1500
    assert sent[-1] - sent[0] == pytest.approx(14.99 + 2 * 0.3, abs=0.02)  # the grid restarts twice


def test_claiming_ahead_keeps_the_grid_across_batches_whatever_a_claim_takes_under_the_lead():
    for claim_seconds in (0.05, 0.3, 0.9):
        sent = dial_batches(rate=100, batches=3, batch_size=500, claim_seconds=claim_seconds)
        assert len(sent) == 1500
        assert sent[-1] - sent[0] == pytest.approx(14.99)
        gaps = [later - earlier for earlier, later in zip(sent, sent[1:], strict=False)]
        assert min(gaps) == pytest.approx(0.01) and max(gaps) == pytest.approx(0.01)
        assert most_calls_in_any(1.0, sent) <= 100 + 1  # no catch-up burst: never above the rate


def test_a_claim_slower_than_the_lead_lowers_the_rate_and_never_makes_a_burst():
    sent = dial_batches(rate=100, batches=3, batch_size=500, claim_seconds=1.5)
    assert sent[-1] - sent[0] == pytest.approx(14.99 + 2 * (1.5 - CLAIM_LEAD_SECONDS), abs=0.02)
    for window in (0.1, 1.0, 5.0):
        assert most_calls_in_any(window, sent) <= 100 * (window + CATCH_UP_SECONDS) + 1


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
