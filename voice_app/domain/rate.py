"""Pacing of outbound calls: the provider's calls-per-second limit and the maximum of
simultaneous calls of a campaign (DESIGN §6, §10), and the pause after the provider said it
cannot take calls at all.

Pure: time is a number of seconds given by the caller (a monotonic clock in production),
so every rule here is tested without waiting.

Theory of operation: a `Pacer` hands out provider-call slots on a fixed grid, one every
`1 / calls_per_second` seconds. A caller that is a little late (by at most CATCH_UP_SECONDS,
or one interval if that is longer: the dispatcher's thread was kept from the CPU for a
moment) keeps the grid and sends the missed slots at once, so short hiccups do not erode the
achieved rate; a caller that was idle longer restarts the grid at `now`, so idle time is
never banked into a burst. Over any window of W seconds, at most
`rate x (W + CATCH_UP_SECONDS) + 1` calls go out (at 100 calls/s: at most 111 in any second),
and the long-run rate is the configured one.

Claiming the next batch takes time (a tenth of a second or more for 500 calls on PostgreSQL),
longer than the catch-up: had the pacer waited for it, it would restart its grid after each
claim and lose that time every five seconds. So the next batch is claimed while the current
one is still being dialled, once the calls left in hand last no more than CLAIM_LEAD_SECONDS
(`time_to_claim_next`): when the current batch runs out, the next one is ready, and its
first call takes the next slot of the same grid. Catching up is then left for hiccups, not
claims, so the bound above holds unchanged. A claim slower than the lead makes the
dispatcher wait for it, and the grid restarts if it was late by more than the catch-up:
the rate drops, the bound still holds (never a burst to make up for a slow database).

The provider's limit is per account, and one process dials through one account, so the
dispatcher keeps ONE pacer for every campaign, at `account_rate`: the lowest rate among the
campaigns it is dialling for (each campaign's `calls_per_second` states the account's limit;
when they disagree the lowest is the only one known to be safe).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_CALLS_PER_SECOND = 1.0
DEFAULT_MAX_CONCURRENT_CALLS = 10
# A claim covers about this many seconds of dialling at the campaign's rate: long enough
# that claim overhead is small against pacing, short enough that claims never grow stale.
CLAIM_HORIZON_SECONDS = 5.0
CATCH_UP_SECONDS = 0.1
# The next batch is claimed when the calls left in hand last no more than this: several times
# what a claim takes, yet short enough that claimed calls wait only a few seconds more.
CLAIM_LEAD_SECONDS = 1.0
# After the provider refused a call for a reason that is not the number (credentials, account,
# caller id, permissions, throttling): no call for this long, doubled each time in a row.
FIRST_PAUSE_SECONDS = 60.0
MAX_PAUSE_SECONDS = 900.0


@dataclass(frozen=True)
class RateLimits:
    """How fast a campaign may dial. A rate or a maximum of 0 means the campaign is paused."""

    calls_per_second: float
    max_concurrent_calls: int
    problem: str | None = None

    @property
    def paused(self) -> bool:
        return self.problem is not None or self.calls_per_second <= 0 or self.max_concurrent_calls <= 0

    @property
    def pause_reason(self) -> str | None:
        if self.problem is not None:
            return self.problem
        if self.calls_per_second <= 0:
            return "calls_per_second is 0"
        if self.max_concurrent_calls <= 0:
            return "max_concurrent_calls is 0"
        return None


def _number(policy: dict, key: str, default: float) -> float:
    value = policy.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{key} must be a number, not {value!r}") from None
    if math.isnan(number) or number < 0:
        raise ValueError(f"{key} must be a positive number, not {value!r}")
    return number


def rate_limits(policy: dict | None) -> RateLimits:
    """The one accessor for a campaign policy's `calls_per_second` and `max_concurrent_calls`.

    A value that is not a number does not raise: the campaign is paused with the reason, so
    one badly configured campaign never stops the dispatcher.
    """
    policy = policy or {}
    try:
        calls_per_second = _number(policy, "calls_per_second", DEFAULT_CALLS_PER_SECOND)
        max_concurrent = _number(policy, "max_concurrent_calls", DEFAULT_MAX_CONCURRENT_CALLS)
    except ValueError as error:
        return RateLimits(0.0, 0, problem=str(error))
    concurrent = max_concurrent if math.isinf(max_concurrent) else int(max_concurrent)
    return RateLimits(calls_per_second, concurrent)


def claim_size(limits: RateLimits, active_calls: int, limit: int,
               horizon_seconds: float = CLAIM_HORIZON_SECONDS) -> int:
    """How many due attempts to claim now: the free call slots, at most `limit`, and no more
    than can be dialled within `horizon_seconds` at the campaign's rate (at least one)."""
    if limits.paused or limit <= 0:
        return 0
    free = limits.max_concurrent_calls - active_calls
    if free <= 0:
        return 0
    dialable = max(1, math.ceil(limits.calls_per_second * horizon_seconds))
    return int(min(free, limit, dialable))


def seconds_of_dialling(calls: int, calls_per_second: float) -> float:
    """How long `calls` take to dial at `calls_per_second` (0 for a paused rate: nothing waits)."""
    return calls / calls_per_second if calls_per_second > 0 else 0.0


def time_to_claim_next(seconds_in_hand: float, lead_seconds: float = CLAIM_LEAD_SECONDS) -> bool:
    """True once the calls claimed and not yet dialled last no more than `lead_seconds`: the
    next claim starts now, and is ready before they run out (see the module docstring)."""
    return seconds_in_hand <= lead_seconds


@dataclass
class Pacer:
    """Hands out provider-call slots at most `calls_per_second` apart (see module docstring)."""

    calls_per_second: float
    next_slot: float | None = None

    @property
    def interval(self) -> float:
        return 1.0 / self.calls_per_second

    def reserve(self, now: float) -> float:
        """Take the next slot; return how many seconds to wait before calling (0 = now)."""
        if self.next_slot is None or self.next_slot < now - max(self.interval, CATCH_UP_SECONDS):
            self.next_slot = now
        slot = self.next_slot
        self.next_slot = slot + self.interval
        return max(0.0, slot - now)

    def set_rate(self, calls_per_second: float) -> None:
        """Follow a changed policy without losing the grid's position."""
        self.calls_per_second = calls_per_second


def account_rate(limits: Iterable[RateLimits]) -> float | None:
    """The rate of the one pacer shared by the campaigns being dialled: the lowest of their
    rates (paused campaigns do not count); None when none of them may dial."""
    rates = [each.calls_per_second for each in limits if not each.paused]
    return min(rates) if rates else None


@dataclass
class ProviderPause:
    """No call while the provider cannot take any (bad credentials, caller id not owned,
    account suspended, throttled): `FIRST_PAUSE_SECONDS`, doubled for each pause in a row up
    to `MAX_PAUSE_SECONDS`; a call placed starts the count again."""

    first_seconds: float = FIRST_PAUSE_SECONDS
    max_seconds: float = MAX_PAUSE_SECONDS
    in_a_row: int = 0
    until: float | None = None

    def blocks(self, now: float) -> bool:
        """True while calls must wait."""
        return self.until is not None and now < self.until

    def start(self, now: float) -> float | None:
        """The provider refused: pause; return the pause's length, or None when a pause is
        already running (calls that were in flight do not lengthen it)."""
        if self.blocks(now):
            return None
        seconds = min(self.max_seconds, self.first_seconds * 2 ** self.in_a_row)
        self.in_a_row += 1
        self.until = now + seconds
        return seconds

    def call_placed(self) -> None:
        """The provider took a call: the next pause is a short one again."""
        self.in_a_row = 0
