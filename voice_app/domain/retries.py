"""Retries within a round, and what a round's attempts add up to for one tenant.

Theory of operation: a tenant's attempts in a round form its history. After an attempt
ends with a retryable outcome (no answer, busy, voicemail, or `unknown` when the sweep
could not tell whether the call was placed), the next attempt is due at the first window
instant that is at least `retry_gap_minutes` after the previous call ended and lies in a
half-day none of the earlier attempts used, before the round ends; a tenant who prefers a
half-day (`prefer`: am / pm) gets the first such instant in that half when one fits, else the
first in the other. Windows and half-days are those of the tenant's time zone (`tz`). When no
such instant exists the tenant is unreachable for this round: there is no retry.

Outcomes are those of voice_app.domain.outcomes: reached ones settle the tenant; `no_key` (answered,
silent) is escalated by the call itself and not retried; `failed` (invalid number) is not
retried and becomes a data-quality task when the round closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from voice_app.domain.calendar import PARIS
from voice_app.domain.call_flow import TERMINAL
from voice_app.domain.call_flow import State
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import is_reached
from voice_app.domain.outcomes import is_retryable
from voice_app.domain.windows import half_day_of
from voice_app.domain.windows import next_open_at

# How long we assume a call lasts when asking "would another attempt still fit after this one?"
ASSUMED_CALL_DURATION = timedelta(minutes=2)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class PastAttempt:
    """What the retry rules need to know about one attempt of a tenant in a round."""

    number: int
    state: str
    outcome: str | None = None
    placed_at: datetime | None = None  # dialled_at, or due_at when not dialled yet
    ended_at: datetime | None = None
    is_last: bool = False


class Verdict(StrEnum):
    """What a round came to for one tenant."""

    REACHED = "reached"
    NO_KEY = "no_key"  # answered, silent: already escalated by the call itself
    INVALID_NUMBER = "invalid_number"
    UNREACHABLE = "unreachable"
    NOT_CALLED = "not_called"  # every attempt cancelled before dialling (away, opted out...)
    PENDING = "pending"  # a call is due, in flight, or a retry may still come


def _settles(outcome: str | None) -> bool:
    return is_reached(outcome) or outcome in (Outcome.NO_KEY, Outcome.FAILED)


def next_attempt_at(policy: CampaignPolicy, history: Sequence[PastAttempt], round_ends_at: datetime,
                    now: datetime, tz: ZoneInfo = PARIS, prefer: str | None = None) -> datetime | None:
    """When the next attempt of this tenant is due, or None when there is no retry."""
    if not history:
        return None
    last = max(history, key=lambda a: a.number)
    if last.number >= policy.max_attempts or last.is_last:
        return None
    if last.state != State.ENDED or not is_retryable(last.outcome):
        return None
    if any(_settles(a.outcome) for a in history):
        return None
    # In UTC: adding hours to a Paris wall time would skip or repeat the DST hour.
    previous_call = (last.ended_at or last.placed_at or now).astimezone(UTC)
    earliest = max(now, previous_call + timedelta(minutes=policy.retry_gap_minutes))
    avoid = frozenset()
    if policy.retry_other_half_day:
        avoid = frozenset(half_day_of(a.placed_at, tz) for a in history if a.placed_at is not None)
    return next_open_at(policy, earliest, round_ends_at, avoid, tz, prefer)


def is_last_attempt(policy: CampaignPolicy, history: Sequence[PastAttempt], number: int,
                    due_at: datetime, round_ends_at: datetime, tz: ZoneInfo = PARIS) -> bool:
    """True when attempt `number`, due at `due_at`, is the last that can fit in the round
    (on the last attempt a voicemail gets a message)."""
    if number >= policy.max_attempts:
        return True
    assumed = PastAttempt(number, State.ENDED, Outcome.NO_ANSWER, placed_at=due_at,
                          ended_at=due_at.astimezone(UTC) + ASSUMED_CALL_DURATION)
    return next_attempt_at(policy, [*history, assumed], round_ends_at, due_at, tz) is None


def last_attempt_from(policy: CampaignPolicy, round_starts_at: datetime, round_ends_at: datetime,
                      tz: ZoneInfo = PARIS) -> datetime:
    """The first instant (UTC) from which a round's first attempt, due then, is its last: no retry
    would fit after it before the round ends. Planning compares each due time with it, so a
    million attempts need one computation, not a million.

    `is_last_attempt` only turns from False to True as the due time grows (a retry that fits
    after a later first call fits after an earlier one too: it is later by at least the gap and
    in another half-day), so a binary search to the microsecond finds the exact instant."""
    if is_last_attempt(policy, (), 1, round_starts_at, round_ends_at, tz):
        return round_starts_at.astimezone(UTC)
    # In UTC: between two Paris times, datetime arithmetic would ignore the DST shift.
    low, high = round_starts_at.astimezone(UTC), round_ends_at.astimezone(UTC)  # not last, last
    while high - low > MICROSECOND:
        middle = low + (high - low) // 2
        if is_last_attempt(policy, (), 1, middle, round_ends_at, tz):
            high = middle
        else:
            low = middle
    return high


def round_verdict(history: Sequence[PastAttempt], *, round_over: bool) -> Verdict:
    """What the round came to for one tenant. Once the round is over, a call still in
    flight counts as placed and not reached (a person checking is safer than silence)."""
    if any(is_reached(a.outcome) for a in history):
        return Verdict.REACHED
    if any(a.outcome == Outcome.NO_KEY for a in history):
        return Verdict.NO_KEY
    if any(a.outcome == Outcome.FAILED for a in history):
        return Verdict.INVALID_NUMBER
    if not round_over and _may_continue(history):
        return Verdict.PENDING
    placed = [a for a in history if a.state not in (State.DUE, State.CANCELLED)]
    return Verdict.UNREACHABLE if placed else Verdict.NOT_CALLED


def _may_continue(history: Sequence[PastAttempt]) -> bool:
    if any(a.state not in TERMINAL for a in history):
        return True
    last = max(history, key=lambda a: a.number, default=None)
    return last is not None and is_retryable(last.outcome) and not last.is_last
