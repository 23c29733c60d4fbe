"""Pacing of outbound calls: the provider's calls-per-second limit and the maximum of
simultaneous calls of a campaign (DESIGN §6, §10).

Pure: time is a number of seconds given by the caller (a monotonic clock in production),
so every rule here is tested without waiting.

Theory of operation: a `Pacer` hands out provider-call slots on a fixed grid, one every
`1 / calls_per_second` seconds. A caller that is a little late (by at most CATCH_UP_SECONDS,
or one interval if that is longer: the time to claim the next batch) keeps the grid and
sends the missed slots at once, so the gaps between batches do not erode the achieved rate;
a caller that was idle longer restarts the grid at `now`, so idle time is never banked into
a burst. Over any window of W seconds, at most `rate x (W + CATCH_UP_SECONDS) + 1` calls go
out (at 100 calls/s: at most 111 in any second), and the long-run rate is the configured one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_CALLS_PER_SECOND = 1.0
DEFAULT_MAX_CONCURRENT_CALLS = 10
# A claim covers about this many seconds of dialling at the campaign's rate: long enough
# that claim overhead is small against pacing, short enough that claims never grow stale.
CLAIM_HORIZON_SECONDS = 5.0
CATCH_UP_SECONDS = 0.1


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
