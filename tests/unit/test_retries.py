"""Retries inside a round, and what a round comes to for a tenant."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.policies import always_open_policy
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.retries import PastAttempt
from voice_app.domain.retries import Verdict
from voice_app.domain.retries import is_last_attempt
from voice_app.domain.retries import last_attempt_from
from voice_app.domain.retries import next_attempt_at
from voice_app.domain.retries import round_verdict

DEFAULT = CampaignPolicy()
ROUND_END = datetime(2026, 11, 25, 18, 0, tzinfo=PARIS)  # Tuesday-Wednesday round


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def retry_at(policy: CampaignPolicy, history: list[PastAttempt], now: datetime) -> datetime | None:
    return next_attempt_at(policy, history, ROUND_END, now)


def ended(number: int, at: datetime, outcome: str = "no_answer", minutes: int = 1) -> PastAttempt:
    return PastAttempt(number, "ended", outcome, placed_at=at, ended_at=at + timedelta(minutes=minutes))


def test_a_morning_no_answer_is_retried_in_the_afternoon_window():
    history = [ended(1, paris(2026, 11, 24, 10, 5))]
    assert retry_at(DEFAULT, history, paris(2026, 11, 24, 10, 7)) == paris(2026, 11, 24, 14, 0)


def test_a_third_attempt_goes_to_the_next_morning_because_both_half_days_were_used():
    history = [ended(1, paris(2026, 11, 24, 10, 5)), ended(2, paris(2026, 11, 24, 14, 0), "busy")]
    assert retry_at(DEFAULT, history, paris(2026, 11, 24, 14, 2)) == paris(2026, 11, 25, 10, 0)


def test_a_retry_is_at_least_the_gap_after_the_previous_call_ended():
    late_morning = [ended(1, paris(2026, 11, 24, 12, 20), "voicemail", minutes=2)]
    relaxed = DEFAULT.with_changes(retry_gap_minutes=180)
    assert next_attempt_at(relaxed, late_morning, ROUND_END, paris(2026, 11, 24, 12, 22)) == paris(
        2026, 11, 24, 15, 22)


def test_an_afternoon_first_attempt_is_retried_next_morning():
    history = [ended(1, paris(2026, 11, 24, 16, 30))]
    assert retry_at(DEFAULT, history, paris(2026, 11, 24, 16, 31)) == paris(2026, 11, 25, 10, 0)


def test_without_the_half_day_rule_a_retry_may_stay_in_the_same_half_day():
    policy = DEFAULT.with_changes(retry_other_half_day=False, retry_gap_minutes=30)
    history = [ended(1, paris(2026, 11, 24, 10, 5))]
    assert retry_at(policy, history, paris(2026, 11, 24, 10, 6)) == paris(2026, 11, 24, 10, 36)


def test_the_sweeps_unknown_outcome_is_retried_like_no_answer():
    history = [ended(1, paris(2026, 11, 24, 10, 5), "unknown")]
    assert retry_at(DEFAULT, history, paris(2026, 11, 24, 11, 0)) == paris(2026, 11, 24, 14, 0)


def test_no_retry_fits_past_the_rounds_end():
    history = [ended(1, paris(2026, 11, 25, 10, 5)), ended(2, paris(2026, 11, 25, 14, 10))]
    assert retry_at(DEFAULT, history, paris(2026, 11, 25, 14, 12)) is None


def test_a_retry_never_lands_on_a_public_holiday():
    before_armistice = [ended(1, paris(2026, 11, 10, 14, 30))]
    round_end = paris(2026, 11, 13, 18, 0)
    assert next_attempt_at(DEFAULT, before_armistice, round_end, paris(2026, 11, 10, 14, 31)) == paris(
        2026, 11, 12, 10, 0)


@pytest.mark.parametrize("outcome", ["ok", "help_health", "no_key", "failed", "live_transfer_missed",
                                     "opt_out"])
def test_outcomes_that_are_not_retryable_get_no_retry(outcome):
    history = [ended(1, paris(2026, 11, 24, 10, 5), outcome)]
    assert retry_at(DEFAULT, history, paris(2026, 11, 24, 10, 7)) is None


def test_no_retry_after_the_last_allowed_attempt_or_while_a_call_is_in_flight():
    three = [ended(1, paris(2026, 11, 24, 10, 5)), ended(2, paris(2026, 11, 24, 14, 5)),
             ended(3, paris(2026, 11, 25, 10, 5))]
    assert next_attempt_at(DEFAULT, three, ROUND_END, paris(2026, 11, 25, 10, 7)) is None
    ringing = [PastAttempt(1, "ringing", None, placed_at=paris(2026, 11, 24, 10, 5))]
    assert next_attempt_at(DEFAULT, ringing, ROUND_END, paris(2026, 11, 24, 10, 6)) is None
    assert next_attempt_at(DEFAULT, [], ROUND_END, paris(2026, 11, 24, 10, 6)) is None


def test_a_retry_across_the_spring_forward_change_keeps_two_real_hours():
    policy = always_open_policy(retry_other_half_day=False)
    history = [PastAttempt(1, "ended", "no_answer", placed_at=paris(2026, 3, 29, 1, 45),
                           ended_at=paris(2026, 3, 29, 1, 50))]  # 00:50 UTC
    retry = next_attempt_at(policy, history, paris(2026, 3, 30, 0, 0), paris(2026, 3, 29, 1, 51))
    assert retry == utc(2026, 3, 29, 2, 50)
    assert retry.astimezone(PARIS).hour == 4  # the wall clock moved three hours


def test_a_retry_across_the_fall_back_change_keeps_two_real_hours():
    policy = always_open_policy(retry_other_half_day=False)
    history = [PastAttempt(1, "ended", "busy", placed_at=utc(2026, 10, 24, 23, 45),
                           ended_at=utc(2026, 10, 24, 23, 50))]  # 01:50 summer time
    retry = next_attempt_at(policy, history, paris(2026, 10, 26, 0, 0), utc(2026, 10, 24, 23, 51))
    assert retry == utc(2026, 10, 25, 1, 50)
    assert retry.astimezone(PARIS).hour == 2 and retry.astimezone(PARIS).fold == 1  # the second 02:50


def test_an_every_day_campaign_retries_on_the_spring_forward_sunday_in_the_afternoon():
    policy = always_open_policy()
    history = [ended(1, paris(2026, 3, 29, 9, 0))]
    retry = next_attempt_at(policy, history, paris(2026, 3, 30, 0, 0), paris(2026, 3, 29, 9, 5))
    assert retry == paris(2026, 3, 29, 13, 0) == utc(2026, 3, 29, 11, 0)


def test_the_last_attempt_is_the_last_allowed_or_the_last_that_fits():
    first = [ended(1, paris(2026, 11, 24, 10, 5))]
    assert not is_last_attempt(DEFAULT, first, 2, paris(2026, 11, 24, 14, 0), ROUND_END)
    assert is_last_attempt(DEFAULT, first, 2, paris(2026, 11, 25, 14, 0), ROUND_END)
    assert is_last_attempt(DEFAULT, first, 3, paris(2026, 11, 24, 14, 0), ROUND_END)


@pytest.mark.parametrize(("history", "verdict"), [
    ([ended(1, paris(2026, 11, 24, 10, 0)), ended(2, paris(2026, 11, 24, 14, 0), "ok")], Verdict.REACHED),
    ([ended(1, paris(2026, 11, 24, 10, 0), "help_food")], Verdict.REACHED),
    ([ended(1, paris(2026, 11, 24, 10, 0), "opt_out_unconfirmed")], Verdict.REACHED),
    ([ended(1, paris(2026, 11, 24, 10, 0)), ended(2, paris(2026, 11, 24, 14, 0), "no_key")], Verdict.NO_KEY),
    ([ended(1, paris(2026, 11, 24, 10, 0), "failed")], Verdict.INVALID_NUMBER),
    ([ended(1, paris(2026, 11, 24, 10, 0)), ended(2, paris(2026, 11, 24, 14, 0), "voicemail")],
     Verdict.UNREACHABLE),
    ([ended(1, paris(2026, 11, 24, 10, 0), "unknown"), PastAttempt(2, "cancelled", None)],
     Verdict.UNREACHABLE),
    ([PastAttempt(1, "ringing", None)], Verdict.UNREACHABLE),
    ([PastAttempt(1, "cancelled", "skipped_away")], Verdict.NOT_CALLED),
    ([PastAttempt(1, "due", None)], Verdict.NOT_CALLED),
])
def test_what_a_finished_round_came_to_for_a_tenant(history, verdict):
    assert round_verdict(history, round_over=True) == verdict


def test_a_round_in_progress_is_pending_while_a_call_or_a_retry_may_come():
    assert round_verdict([PastAttempt(1, "due")], round_over=False) == Verdict.PENDING
    retry_may_come = [ended(1, paris(2026, 11, 24, 10, 0))]
    assert round_verdict(retry_may_come, round_over=False) == Verdict.PENDING
    last = [PastAttempt(1, "ended", "busy", is_last=True)]
    assert round_verdict(last, round_over=False) == Verdict.UNREACHABLE


def first_attempt_is_last(policy: CampaignPolicy, due_at: datetime, round_end: datetime) -> bool:
    return is_last_attempt(policy, (), 1, due_at, round_end)


@pytest.mark.parametrize(("policy", "start", "end"), [
    (DEFAULT, paris(2026, 11, 24, 10, 0), ROUND_END),
    (DEFAULT, paris(2026, 11, 24, 10, 0), paris(2026, 11, 24, 18, 0)),
    (DEFAULT.with_changes(retry_other_half_day=False), paris(2026, 11, 24, 10, 0), ROUND_END),
    (DEFAULT.with_changes(retry_gap_minutes=300), paris(2026, 11, 24, 10, 0), ROUND_END),
    (always_open_policy(), paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)),  # 25 hours
])
def test_a_first_attempt_is_the_last_exactly_from_the_cutoff_instant(policy, start, end):
    cutoff = last_attempt_from(policy, start, end)
    assert first_attempt_is_last(policy, cutoff, end)
    assert cutoff == start or not first_attempt_is_last(policy, cutoff - timedelta(microseconds=1), end)
    moment = start.astimezone(UTC)
    while moment < end:
        assert first_attempt_is_last(policy, moment, end) == (moment >= cutoff)
        moment += timedelta(minutes=7)


def test_on_the_last_day_of_the_round_morning_first_attempts_may_be_retried_and_afternoon_ones_are_last():
    cutoff = last_attempt_from(DEFAULT, paris(2026, 11, 24, 10, 0), ROUND_END)
    assert paris(2026, 11, 25, 12, 30) < cutoff <= paris(2026, 11, 25, 14, 0)


def test_a_single_attempt_round_has_every_attempt_last_from_its_start():
    start = paris(2026, 11, 24, 10, 0)
    assert last_attempt_from(DEFAULT.with_changes(max_attempts=1), start, ROUND_END) == start
